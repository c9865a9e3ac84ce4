package dev.loupe.engine.text;

/**
 * Open-addressing map from a pair of symbol ids to the merge's rank and the merged symbol, so
 * the BPE loop looks pairs up without boxing or string concatenation.
 */
final class MergeRanks {
    static final int ABSENT = -1;
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;

    MergeRanks(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        merged = new int[capacity];
        mask = capacity - 1;
    }

    /** Adds the pair unless present: a repeated merge line keeps its first rank, as in llama.cpp. */
    void putIfAbsent(int left, int right, int rank, int result) {
        long key = key(left, right);
        int slot = slot(key);
        if (keys[slot] == key) return;
        keys[slot] = key;
        ranks[slot] = rank;
        merged[slot] = result;
    }

    /** The slot of the pair, or {@link #ABSENT}. */
    int find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        return keys[slot] == key ? slot : ABSENT;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int merged(int slot) {
        return merged[slot];
    }

    private int slot(long key) {
        int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
