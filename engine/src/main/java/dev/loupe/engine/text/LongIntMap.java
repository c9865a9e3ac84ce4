package dev.loupe.engine.text;

import java.util.Arrays;

/** Open-addressing map from non-negative long keys to ints, for lookups on hot paths without boxing. */
final class LongIntMap {
    static final int ABSENT = -1;
    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] values;
    private int size;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new int[capacity];
    }

    int get(long key) {
        int slot = slot(keys, key);
        return keys[slot] == key ? values[slot] : ABSENT;
    }

    void put(long key, int value) {
        if (2 * (size + 1) > keys.length) grow();
        int slot = slot(keys, key);
        if (keys[slot] != key) {
            keys[slot] = key;
            size++;
        }
        values[slot] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new int[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] == EMPTY) continue;
            int slot = slot(keys, oldKeys[i]);
            keys[slot] = oldKeys[i];
            values[slot] = oldValues[i];
        }
    }

    private static int slot(long[] keys, long key) {
        int mask = keys.length - 1;
        int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }
}
