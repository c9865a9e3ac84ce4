package dev.loupe.engine.vision;

/**
 * One JPEG Huffman table (DHT), canonical codes built as in the JPEG spec (Annex C), with a
 * 9-bit lookup for short codes and a per-length limit search for the rest. Decoding is exact
 * Huffman decoding, so it cannot differ from stb_image's except in which malformed streams are
 * refused: both refuse a code that matches no length.
 */
final class JpegHuffmanTable {
    static final int FAST_BITS = 9;
    private static final int NO_FAST = 255;

    final byte[] fast = new byte[1 << FAST_BITS];
    final int[] sizes = new int[257];
    final int[] values = new int[256];
    /** Largest code + 1 of each length, pre-shifted to 16 bits; index 17 is a sentinel. */
    final long[] maxCode = new long[18];
    /** Added to a code of a given length to get its symbol index. */
    final int[] delta = new int[17];

    /**
     * @param counts number of codes of each length 1..16
     * @param symbols the symbols in code order
     */
    JpegHuffmanTable(int[] counts, int[] symbols) {
        int k = 0;
        for (int len = 1; len <= 16; len++) {
            for (int j = 0; j < counts[len - 1]; j++) {
                if (k >= 256) throw new IllegalArgumentException("corrupt JPEG: Huffman table has more than 256 codes");
                sizes[k++] = len;
            }
        }
        sizes[k] = 0;
        System.arraycopy(symbols, 0, values, 0, k);
        int[] codes = new int[k];
        int code = 0;
        int i = 0;
        for (int len = 1; len <= 16; len++) {
            delta[len] = i - code;
            if (sizes[i] == len) {
                while (sizes[i] == len) codes[i++] = code++;
                if (code - 1 >= (1 << len)) {
                    throw new IllegalArgumentException("corrupt JPEG: Huffman code lengths overflow");
                }
            }
            maxCode[len] = (long) code << (16 - len);
            code <<= 1;
        }
        maxCode[17] = 0xFFFFFFFFL;
        java.util.Arrays.fill(fast, (byte) NO_FAST);
        for (int s = 0; s < k; s++) {
            int len = sizes[s];
            if (len <= FAST_BITS) {
                int c = codes[s] << (FAST_BITS - len);
                int m = 1 << (FAST_BITS - len);
                for (int j = 0; j < m; j++) fast[c + j] = (byte) s;
            }
        }
    }

    int fastIndex(int peek9) {
        int v = fast[peek9] & 0xFF;
        return v == NO_FAST ? -1 : v;
    }
}
