package dev.loupe.engine.kernels;

/**
 * Activation rows quantized to one of ggml's 8-bit dot-product formats, as ggml quantizes
 * them before a matrix product with quantized weights (ggml's {@code vec_dot_type}):
 * <ul>
 *   <li>{@link Format#Q8_0}: blocks of 32, {@code d = amax / 127} stored as fp16, values
 *       {@code rint(x * 127 / amax)} (quantize_row_q8_0; the 4-row interleaved variant used
 *       with repacked weights gives the same numbers).</li>
 *   <li>{@link Format#Q8_1}: as Q8_0, plus {@code s = fp16(d * sum(values))} with the
 *       unrounded {@code d} (quantize_row_q8_1).</li>
 *   <li>{@link Format#Q8_K}: blocks of 256, {@code d} kept as f32 and the sign taken from the
 *       largest value: {@code iscale = -127 / max}, values {@code rint(iscale * x)},
 *       {@code d = 1 / iscale}, plus the sum of every 16 values (quantize_row_q8_K).</li>
 * </ul>
 *
 * <p>The integers are kept as ints, "transposed" within each group of 32: position
 * {@code o + 8j + l} holds value {@code o + 4l + j}. A plain 8-int vector load at
 * {@code o + 8j} then gives lane {@code l} the value ggml's AVX2 kernels put in 32-bit lane
 * {@code l} (their {@code madd} pairs sum values {@code 4l..4l+3}); four such loads and
 * multiply-adds reproduce ggml's exact per-lane integer sums.
 *
 * <p>The same integers are also kept as 16-bit {@link #pairs}, split within each group of 32
 * into its 16 even-indexed values then its 16 odd-indexed ones: the layout of
 * {@link IntLanes}' pair sums, which multiply in 16-bit lanes (half the operations of 32-bit ones).
 */
public final class Q8Rows {
    enum Format { Q8_0, Q8_1, Q8_K }

    final Format format;
    final int batch;
    final int cols;
    final int blockSize;
    /** Block integers, transposed within groups of 32. */
    final int[] q;
    /** Block integers as shorts, per group of 32 the even-indexed values then the odd-indexed ones. */
    final short[] pairs;
    /** One scale per block: fp16-rounded for Q8_0/Q8_1, f32 for Q8_K. */
    final float[] d;
    /** Q8_1: fp16-rounded {@code d * sum} per block; else null. */
    final float[] s;
    /** Q8_K: 16 sums of 16 values per block; else null. */
    final int[] bsums;
    /** Q8_K: 8 sums of 32 values per block (pairs of {@link #bsums}: what K4 minimums multiply); else null. */
    final int[] chunkSums;
    /**
     * Q8_K: {@link #bsums} deinterleaved, per block the 8 even-indexed sums then the 8
     * odd-indexed ones, so that lane l of two 8-int loads meets sums 2l and 2l+1 (Q6_K's
     * offset pairs them); else null.
     */
    final int[] bsumPairs;
    /** Rows {@code [0, interleavedRows)} were quantized by ggml's 4-row interleaved Q8_K quantizer. */
    final int interleavedRows;

    private Q8Rows(Format format, int batch, int cols, int blockSize, int interleavedRows) {
        if (cols % blockSize != 0) {
            throw new IllegalArgumentException(format + " activations need rows of a multiple of " + blockSize + " values, got " + cols);
        }
        this.format = format;
        this.batch = batch;
        this.cols = cols;
        this.blockSize = blockSize;
        this.interleavedRows = interleavedRows;
        int blocks = batch * (cols / blockSize);
        this.q = new int[batch * cols];
        this.pairs = new short[batch * cols];
        this.d = new float[blocks];
        this.s = format == Format.Q8_1 ? new float[blocks] : null;
        this.bsums = format == Format.Q8_K ? new int[blocks * 16] : null;
        this.chunkSums = format == Format.Q8_K ? new int[blocks * 8] : null;
        this.bsumPairs = format == Format.Q8_K ? new int[blocks * 16] : null;
    }

    public int batch() { return batch; }
    public int cols() { return cols; }

    /** Position of value {@code i} of a group of 32 in the transposed order. */
    static int transposed(int i) {
        return (i & 3) * 8 + (i >> 2);
    }

    /** The integer of value {@code i} of row {@code b}, in natural order. */
    int value(int b, int i) {
        int idx = b * cols + i;
        return q[(idx & ~31) + transposed(idx & 31)];
    }

    /** The scale of the block holding value {@code i} of row {@code b}. */
    float scale(int b, int i) {
        return d[(b * cols + i) / blockSize];
    }

    /** Fills {@link #pairs} from {@link #q}: |values| &lt;= 128, so they fit in shorts. */
    private void pairUp() {
        for (int g = 0; g < q.length; g += 32) {
            for (int k = 0; k < 16; k++) {
                pairs[g + k] = (short) q[g + transposed(2 * k)];
                pairs[g + 16 + k] = (short) q[g + transposed(2 * k + 1)];
            }
        }
    }

    /** Every value as {@code integer * scale}, in natural order. */
    float[] toFloats() {
        float[] out = new float[batch * cols];
        for (int i = 0; i < out.length; i++) out[i] = q[(i & ~31) + transposed(i & 31)] * d[i / blockSize];
        return out;
    }

    static Q8Rows q8_0(float[] x, int batch, int cols) {
        return q8_0or1(Format.Q8_0, x, batch, cols);
    }

    static Q8Rows q8_1(float[] x, int batch, int cols) {
        return q8_0or1(Format.Q8_1, x, batch, cols);
    }

    private static Q8Rows q8_0or1(Format format, float[] x, int batch, int cols) {
        Q8Rows r = new Q8Rows(format, batch, cols, 32, 0);
        for (int blk = 0; blk < r.d.length; blk++) {
            int o = blk * 32;
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                int v = (int) Math.rint(x[o + i] * id);
                r.q[o + transposed(i)] = v;
                sum += v;
            }
            r.d[blk] = Layouts.roundF16(d);
            if (r.s != null) r.s[blk] = Layouts.roundF16(d * (float) sum);
        }
        r.pairUp();
        return r;
    }

    /**
     * Q8_K rows. Rows {@code [0, interleavedRows)} follow ggml's 4-row interleaved quantizer
     * ({@code ggml_quantize_mat_q8_K_4x8}, used for the groups of four rows that the
     * repacked-weight GEMM takes), which makes the scale negative when any value equals
     * {@code +amax}; the others follow quantize_row_q8_K, which looks at the first value of
     * largest magnitude. The two differ only when both {@code +amax} and {@code -amax} occur.
     */
    static Q8Rows q8K(float[] x, int batch, int cols, int interleavedRows) {
        Q8Rows r = new Q8Rows(Format.Q8_K, batch, cols, 256, interleavedRows);
        int blocksPerRow = cols / 256;
        for (int blk = 0; blk < r.d.length; blk++) {
            int o = blk * 256;
            boolean interleaved = blk / blocksPerRow < interleavedRows;
            float amax = 0, max = 0;
            boolean positiveMax = false;
            for (int j = 0; j < 256; j++) {
                float ax = Math.abs(x[o + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[o + j];
                }
            }
            if (amax == 0) continue; // d = 0, values and sums 0
            for (int j = 0; j < 256 && interleaved; j++) positiveMax |= x[o + j] == amax;
            float iscale = interleaved ? (positiveMax ? -127f / amax : 127f / amax) : -127f / max;
            for (int j = 0; j < 256; j++) {
                int v = Math.min(127, (int) Math.rint(iscale * x[o + j]));
                r.q[o + (j & ~31) + transposed(j & 31)] = v;
                r.bsums[blk * 16 + j / 16] += v;
            }
            r.d[blk] = 1 / iscale;
        }
        for (int c = 0; c < r.chunkSums.length; c++) r.chunkSums[c] = r.bsums[2 * c] + r.bsums[2 * c + 1];
        for (int blk = 0; blk < r.d.length; blk++) {
            for (int l = 0; l < 8; l++) {
                r.bsumPairs[blk * 16 + l] = r.bsums[blk * 16 + 2 * l];
                r.bsumPairs[blk * 16 + 8 + l] = r.bsums[blk * 16 + 2 * l + 1];
            }
        }
        r.pairUp();
        return r;
    }
}
