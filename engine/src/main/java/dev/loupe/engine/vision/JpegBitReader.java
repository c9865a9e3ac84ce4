package dev.loupe.engine.vision;

/**
 * Reads a JPEG file: marker-level bytes and the entropy-coded bit stream, with stb_image's
 * conventions so that damaged files decode as stb decodes them: a marker inside entropy data
 * stops the stream and zero bits are fed from then on; {@code 0xFF} fill bytes are skipped.
 *
 * <p>Unlike stb, which also feeds zeros past the physical end of the file and returns a
 * half-grey picture, this reader counts those phantom bits so the decoder can report a
 * truncated file instead of inventing pixels.
 */
final class JpegBitReader {
    static final int NO_MARKER = -1;
    private static final int[] BIT_MASK = new int[17];
    private static final int[] BIAS = new int[16];

    static {
        for (int n = 0; n <= 16; n++) BIT_MASK[n] = (1 << n) - 1;
        for (int n = 0; n < 16; n++) BIAS[n] = (-1 << n) + 1;
    }

    private final byte[] data;
    int pos;
    /** Set once a read went past the end of the data. */
    boolean pastEnd;

    private int codeBuffer;
    int codeBits;
    private boolean noMore;
    /** The marker that ended the entropy stream, or {@link #NO_MARKER}. */
    int marker = NO_MARKER;
    /** Zero bits fed because the data ran out (not because a marker was met). */
    private long phantomBits;

    JpegBitReader(byte[] data) {
        this.data = data;
    }

    // ---- byte level ----

    int get8() {
        if (pos >= data.length) {
            pastEnd = true;
            return 0;
        }
        return data[pos++] & 0xFF;
    }

    int get16() {
        int hi = get8();
        return (hi << 8) | get8();
    }

    boolean atEnd() {
        return pos >= data.length;
    }

    void skip(int n) {
        if (n < 0) throw new IllegalArgumentException("corrupt JPEG: negative segment length");
        if ((long) pos + n > data.length) {
            pastEnd = true;
            pos = data.length;
        } else {
            pos += n;
        }
    }

    /** The next marker code, consuming fill bytes; {@link #NO_MARKER} if the next byte is not 0xFF. */
    int nextMarker() {
        if (marker != NO_MARKER) {
            int m = marker;
            marker = NO_MARKER;
            return m;
        }
        int x = get8();
        if (x != 0xFF) return NO_MARKER;
        while (x == 0xFF) {
            if (atEnd()) {
                pastEnd = true;
                return NO_MARKER;
            }
            x = get8();
        }
        return x;
    }

    // ---- entropy level ----

    /** Back to a clean bit stream, as after a restart marker or at the start of a scan. */
    void resetBits() {
        codeBits = 0;
        codeBuffer = 0;
        noMore = false;
        marker = NO_MARKER;
        phantomBits = 0;
    }

    /** True if decoding so far used bits that lie beyond the end of the file. */
    boolean usedPhantomBits() {
        return phantomBits > codeBits;
    }

    void fill() {
        do {
            int b;
            if (noMore) {
                b = 0;
            } else if (pos >= data.length) {
                pastEnd = true;
                phantomBits += 8;
                b = 0;
            } else {
                b = data[pos++] & 0xFF;
                if (b == 0xFF) {
                    int c = get8();
                    while (c == 0xFF) c = get8();
                    if (c != 0) {
                        marker = c;
                        noMore = true;
                        return;
                    }
                }
            }
            codeBuffer |= b << (24 - codeBits);
            codeBits += 8;
        } while (codeBits <= 24);
    }

    /** One Huffman symbol, or -1 for a code the table does not have. */
    int decode(JpegHuffmanTable h) {
        if (codeBits < 16) fill();
        int k = h.fastIndex((codeBuffer >>> (32 - JpegHuffmanTable.FAST_BITS)));
        if (k >= 0) {
            int s = h.sizes[k];
            if (s > codeBits) return -1;
            codeBuffer <<= s;
            codeBits -= s;
            return h.values[k];
        }
        long temp = (codeBuffer >>> 16) & 0xFFFFL;
        int len;
        for (len = JpegHuffmanTable.FAST_BITS + 1; ; len++) {
            if (temp < h.maxCode[len]) break;
        }
        if (len == 17) {
            codeBits -= 16;
            return -1;
        }
        if (len > codeBits) return -1;
        int c = ((codeBuffer >>> (32 - len)) & BIT_MASK[len]) + h.delta[len];
        if (c < 0 || c >= 256) return -1;
        codeBits -= len;
        codeBuffer <<= len;
        return h.values[c];
    }

    /** An n-bit magnitude category value, sign-extended the JPEG way. */
    int receiveExtend(int n) {
        if (codeBits < n) fill();
        if (codeBits < n) return 0;
        int sign = codeBuffer >>> 31;
        int k = Integer.rotateLeft(codeBuffer, n);
        codeBuffer = k & ~BIT_MASK[n];
        k &= BIT_MASK[n];
        codeBits -= n;
        return k + (BIAS[n] & (sign - 1));
    }

    int bits(int n) {
        if (codeBits < n) fill();
        if (codeBits < n) return 0;
        int k = Integer.rotateLeft(codeBuffer, n);
        codeBuffer = k & ~BIT_MASK[n];
        k &= BIT_MASK[n];
        codeBits -= n;
        return k;
    }

    boolean bit() {
        if (codeBits < 1) fill();
        if (codeBits < 1) return false;
        int k = codeBuffer;
        codeBuffer <<= 1;
        codeBits--;
        return k < 0;
    }
}
