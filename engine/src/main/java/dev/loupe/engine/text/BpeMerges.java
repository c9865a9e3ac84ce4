package dev.loupe.engine.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BPE merging of one pre-tokenized word, as llama.cpp's {@code llm_tokenizer_bpe_session} does
 * it: start from one symbol per byte, repeatedly merge the adjacent pair with the lowest merge
 * rank (the leftmost on ties) until no pair has a rank, then map each symbol to its token; a
 * symbol that is not a token falls back to the single-byte tokens of its text.
 *
 * <p>Symbols are ids, not strings: vocabulary texts keep their token ids, and the few merge
 * operands or results that are not tokens get ids after the vocabulary. Pairs live in a priority
 * queue of {@code rank << 32 | leftIndex} over a linked list of symbols; a queued pair that no
 * longer matches its neighbours is stale and skipped. Thread-safe: all state is per call.
 */
final class BpeMerges {
    private static final int DEAD = Integer.MIN_VALUE;

    private final int vocabSize;
    private final List<String> extraTexts = new ArrayList<>();
    /** (left symbol, right symbol) to the merge's rank; a kept rank identifies its pair. */
    private final LongIntMap rankOfPair;
    private final int[] mergedOfRank;
    private final int[] symbolOfByte = new int[256];
    private final int[] tokenOfAscii = new int[128];
    private final Map<String, Integer> vocabIds;

    BpeMerges(Vocabulary vocab) {
        vocabSize = vocab.size();
        vocabIds = vocab.idsByText();
        Map<String, Integer> extra = new HashMap<>();
        List<String> lines = vocab.merges();
        rankOfPair = new LongIntMap(lines.size());
        mergedOfRank = new int[lines.size()];
        for (int rank = 0; rank < lines.size(); rank++) {
            String line = lines.get(rank);
            // llama.cpp splits at the first space after the first character, so "Ġ Ġ"-style lines work.
            int space = line.indexOf(' ', 1);
            if (space < 0) continue;
            String first = line.substring(0, space);
            String second = line.substring(space + 1);
            long pair = pair(symbol(first, extra), symbol(second, extra));
            // A repeated merge line keeps its first rank, as in llama.cpp.
            if (rankOfPair.get(pair) != LongIntMap.ABSENT) continue;
            rankOfPair.put(pair, rank);
            mergedOfRank[rank] = symbol(first + second, extra);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocabIds.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) id = extra.get(String.valueOf(ByteLevel.charOf(b)));
            symbolOfByte[b] = id == null ? Vocabulary.NONE : id;
        }
        for (int c = 0; c < 128; c++) tokenOfAscii[c] = vocab.id(String.valueOf((char) c));
    }

    private int symbol(String text, Map<String, Integer> extra) {
        Integer id = vocabIds.get(text);
        if (id != null) return id;
        return extra.computeIfAbsent(text, t -> {
            extraTexts.add(t);
            return vocabSize + extraTexts.size() - 1;
        });
    }

    /** Appends the tokens of one word, given as its UTF-8 bytes. */
    void encode(byte[] word, boolean ignoreMerges, IntList out) {
        if (ignoreMerges) {
            Integer whole = vocabIds.get(ByteLevel.encode(word));
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int n = word.length;
        if (n == 0) return;
        int[] sym = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = symbolOfByte[word[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 1; i < n; i++) enqueue(sym, i - 1, i, queue);
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            if (sym[left] == DEAD || right < 0) continue;
            if (rankOf(sym, left, right) != rank) continue; // stale: a neighbour has changed since it was queued
            sym[left] = mergedOfRank[rank];
            sym[right] = DEAD;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            enqueue(sym, prev[left], left, queue);
            enqueue(sym, left, next[left], queue);
        }
        for (int i = 0; i >= 0; i = next[i]) emit(sym[i], out);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | right;
    }

    /** The rank of merging the symbols at these positions, or {@link LongIntMap#ABSENT}. */
    private int rankOf(int[] sym, int left, int right) {
        int a = sym[left], b = sym[right];
        return a < 0 || b < 0 ? LongIntMap.ABSENT : rankOfPair.get(pair(a, b));
    }

    private void enqueue(int[] sym, int left, int right, LongHeap queue) {
        if (left < 0 || right < 0) return;
        int rank = rankOf(sym, left, right);
        if (rank != LongIntMap.ABSENT) queue.add(((long) rank << 32) | left);
    }

    private void emit(int symbol, IntList out) {
        if (symbol >= 0 && symbol < vocabSize) {
            out.add(symbol);
            return;
        }
        // Not a token: llama.cpp looks up each byte of the symbol's (byte-level) text as a one-byte
        // token. Only ASCII characters can be one-byte texts; a byte with no symbol at all has
        // no token either and is dropped, as in llama.cpp.
        if (symbol < vocabSize) return;
        String text = extraTexts.get(symbol - vocabSize);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 128 && tokenOfAscii[c] != Vocabulary.NONE) out.add(tokenOfAscii[c]);
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == heap.length) heap = java.util.Arrays.copyOf(heap, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && heap[child + 1] < heap[child]) child++;
                if (heap[child] >= last) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
