package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.B32;
import static dev.loupe.engine.kernels.IntLanes.F8;
import static dev.loupe.engine.kernels.IntLanes.I8;
import static dev.loupe.engine.kernels.IntLanes.S16;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights in super-blocks of 256 values (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS) times
 * activations quantized to Q8_K. Subclasses decode a super-block into integers and
 * per-sub-block scales (and minimums); this class reproduces the ggml paths llama.cpp takes
 * (haswell CPU backend), which round differently:
 * <ul>
 *   <li>vec_dot (fewer than {@value #TILED_MIN_BATCH} activation rows):
 *       {@code ggml_vec_dot_*_q8_K}. Lane {@code l} of an 8 x int32 vector sums, over the eight
 *       32-value chunks of a super-block, {@code scale * (products 4l..4l+3)}; then one
 *       {@code fma(d_w * d_x, lane, acc)} per lane and super-block, folded by
 *       ggml's hsum_float_8 ({@link LaneFolds#evenOdd}). The minimum's term differs per type ({@link Mins}).</li>
 *   <li>tiled ({@value #TILED_MIN_BATCH} or more activation rows, plain layout): ggml's tiled
 *       K-quant matmul. Per super-block the exact integer total {@code s1} (and the minimum's
 *       total {@code s2}); {@code res = d_w * s1}, {@code res = fma(-dmin_w, s2, res)},
 *       {@code out = fma(res, d_x, out)}.</li>
 *   <li>{@link Path#REPACKED} (Q4_K with a multiple of 8 rows, any batch): the 8x8 interleaved
 *       layout. The GEMV (one activation row, and the rows the GEMM leaves over) does
 *       {@code acc = fma(s1, d_w * d_x, acc)} and {@code accMin = fma(s2, dmin_w * d_x, accMin)}
 *       per super-block, result {@code acc - accMin}. The GEMM (complete groups of four
 *       activation rows, quantized by ggml's interleaved quantizer, {@link Q8Rows#q8K}) does
 *       the same per pair of 32-value sub-blocks: four FMAs per super-block.</li>
 * </ul>
 *
 * <p>The integer lanes go between methods through arrays ({@link #lanes}), and where a vector
 * method of ours would be called in a loop (IntLanes' pair sums, the conversion, the fold) it is written out
 * with Vector API calls: see BlockKernel's note on laneDot for why.
 */
abstract class SuperBlockKernel implements WeightKernel {
    static final int QK = 256;
    /** ggml's tiled matmul takes products with at least this many activation rows. */
    static final int TILED_MIN_BATCH = 8;

    enum Path { PLAIN, REPACKED }

    /** How ggml_vec_dot accounts for a super-block's minimum (or Q6_K's offset of 32). */
    enum Mins {
        /** Q3_K, IQ4_XS: signed values, nothing to add. */
        NONE,
        /** Q6_K: unsigned values; lane l subtracts 32 (sc[2l] bsum[2l] + sc[2l+1] bsum[2l+1]) before its FMA. */
        OFFSET_32,
        /** Q2_K: lane l = min[2l] bsum[2l] + min[2l+1] bsum[2l+1] goes first into the same accumulator, times -d_x dmin_w. */
        LANES,
        /** Q4_K: min pairs times 32-value sums in a separate 4-lane accumulator, folded and added at the end. */
        QUAD,
        /** Q5_K: the super-block's whole minimum sum times -d_x dmin_w, added to one float by an FMA (gcc contracts that scalar line). */
        SCALAR
    }

    final GgmlType type;
    final Path path;
    final Mins mins;
    /** Values per scale: 16 or 32. */
    final int group;

    SuperBlockKernel(GgmlType type, Path path, Mins mins, int group) {
        this.type = type;
        this.path = path;
        this.mins = mins;
        this.group = group;
        if (type.blockBytes > MAX_BLOCK_BYTES) throw new IllegalArgumentException(type + ": super-blocks larger than a thread's row holds");
    }

    /** Writes the integers of the super-block at {@code raw[off..]}, in natural order, to {@code dst[at..at+256)}. */
    abstract void codes(byte[] raw, int off, byte[] dst, int at);

    /** Writes the 256 / {@link #group} sub-block scales to {@code dst[at..)}. */
    abstract void scales(byte[] raw, int off, int[] dst, int at);

    /** Writes the minimums (Q2_K 16, Q4_K/Q5_K 8) to {@code dst[at..)}; others write nothing. */
    void minimums(byte[] raw, int off, int[] dst, int at) {}

    /** {@link #scales} and {@link #minimums} together; types that pack both override it with one decoding. */
    void scalesAndMinimums(byte[] raw, int off, int[] sc, int scAt, int[] mn, int mnAt) {
        scales(raw, off, sc, scAt);
        minimums(raw, off, mn, mnAt);
    }

    abstract float d(byte[] raw, int off);

    float dmin(byte[] raw, int off) {
        return 0f;
    }

    /** ggml's dequantization of one value, given its integer, scale and minimum. */
    abstract float dequantize(int code, int scale, int min, float d, float dmin);

    /**
     * One weight row times one activation row, the super-blocks read straight from the weights
     * with the float steps of the path ggml takes for fewer than {@value #TILED_MIN_BATCH}
     * activation rows: the decode step's product.
     */
    interface RowDot {
        /**
         * Row at byte {@code rowBase} ({@code blocks} super-blocks) times activation row
         * {@code b} of {@code x}. {@code lanes}: at least 8 ints of the calling thread's, for
         * implementations that pass lanes between methods.
         */
        float dot(MemorySegment w, long rowBase, int blocks, Q8Rows x, int b, int[] lanes);

        /**
         * The largest batch for which reading the row again per activation row beats unpacking
         * it once for all of them (the general path); measured per type.
         */
        int maxBatch();
    }

    /** This type's {@link RowDot}, or null where the general path (rows unpacked first) serves. */
    RowDot rowDot() {
        return null;
    }

    /**
     * For the repacked path: the {@link RowDot} with the GEMM's steps, for the activation rows
     * quantized four at a time ({@link Q8Rows#interleavedRows}); null where there is none.
     */
    RowDot interleavedRowDot() {
        return null;
    }

    /** The same type with the repacked-layout arithmetic, for kernels that have it. */
    SuperBlockKernel repacked() {
        return this;
    }

    @Override public GgmlType type() { return type; }

    @Override
    public WeightKernel forMatrix(int rows) {
        return rows % 8 == 0 ? repacked() : this;
    }

    /**
     * quantize_row_q8_K, one row alone (never the 4-row interleaved quantizer); for the types
     * whose panels hold 4-bit codes, Q8_K's blocks with a narrow scale.
     */
    @Override
    public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        if (fourBitCodes()) ActivationRounding.narrowScaled(x, xo, dst, dstOffset, cols, true, null, null, group);
        else ActivationRounding.q8K(x, xo, dst, dstOffset, cols);
    }

    @Override
    public boolean roundRowToIntegers(float[] x, int xo, float[] dst, short[] integers, float[] groupScales, int group, int cols) {
        if (!fourBitCodes()) return false;
        ActivationRounding.narrowScaled(x, xo, dst, 0, cols, true, integers, groupScales, group);
        return true;
    }

    /** Whether {@link #int8Codes} spans at most 16 codes (Q2_K, Q3_K, Q4_K): panels of 4-bit codes. */
    private boolean fourBitCodes() {
        return type == GgmlType.Q2_K || type == GgmlType.Q3_K || type == GgmlType.Q4_K;
    }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        // The repacked GEMM quantizes complete groups of four rows with the interleaved quantizer.
        int interleaved = path == Path.REPACKED && batch > 3 ? batch - batch % 4 : 0;
        return new Activations(Q8Rows.q8K(x, batch, cols, interleaved));
    }

    /** Copies row {@code r} (its super-blocks) into {@code raw}. */
    final void copyRow(MemorySegment w, int cols, int r, byte[] raw) {
        long rowBytes = (long) cols / QK * type.blockBytes;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rowBytes, raw, 0, (int) rowBytes);
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        int blocks = cols / QK;
        Scratch scratch = Scratch.mine();
        byte[] raw = scratch.blocks(blocks * type.blockBytes), codes = scratch.codes(QK);
        int[] sc = scratch.sc, mn = scratch.mn;
        copyRow(w, cols, r, raw);
        int offset = codeOffset();
        for (int blk = 0; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            scalesAndMinimums(raw, off, sc, 0, mn, 0);
            float d = d(raw, off), dmin = dmin(raw, off);
            // Per group, dequantize's own float steps: (d * scale) * (code + offset) - dmin * min,
            // with min 0 and dmin 0 for the types without minimums (x - 0 is x, -0 included).
            // The offset is added whatever it is: the codes are integers, never -0, so adding 0
            // changes nothing, and one straight line keeps the vectors in registers.
            for (int g = 0; g < QK / group; g++) {
                float scale = d * sc[g], min = dmin * mn[g];
                for (int e = g * group; e < (g + 1) * group; e += F.length()) {
                    FloatVector q = (FloatVector) ByteVector.fromArray(BF, codes, e).convertShape(VectorOperators.B2F, F, 0);
                    q.add(offset).mul(scale).sub(min).intoArray(dst, dstOffset + blk * QK + e);
                }
            }
        }
    }

    /**
     * Every super-block type dequantizes per group as {@code (d * sc) * (code + offset) - dmin * m}
     * (above): the codes with their offset (within a byte for every type here), per super-block
     * {@code d} and {@code dmin}, and per group {@code sc} and {@code m} (each within a signed
     * byte: Q6_K's scales are int8, the others' 6 bits or less, Q3_K's and IQ4_XS's less 32),
     * are what {@link Int8Panels} repacks; it forms the same products in its tile.
     */
    @Override
    public Int8Panels.RowSource int8Codes(MemorySegment w, int cols) {
        SuperBlockKernel kernel = this;
        return new Int8Panels.RowSource() {
            @Override public int group() { return group; }
            @Override public int superBlock() { return QK; }
            @Override public boolean hasMins() { return mins == Mins.LANES || mins == Mins.QUAD || mins == Mins.SCALAR; }

            /** Q4_K's codes are 0..15, Q3_K's -4..3, Q2_K's 0..3: 4-bit panels; Q5_K's, Q6_K's and IQ4_XS's need a byte. */
            @Override
            public int lowestCode() {
                return switch (type) {
                    case Q4_K, Q2_K -> 0;
                    case Q3_K -> -4;
                    default -> Byte.MIN_VALUE;
                };
            }

            @Override
            public int highestCode() {
                return switch (type) {
                    case Q4_K -> 15;
                    case Q3_K -> 3;
                    case Q2_K -> 3;
                    default -> Byte.MAX_VALUE;
                };
            }

            @Override
            public void codes(int r, byte[] codes, float[] scales, float[] minimums, byte[] groupScales, byte[] groupMins) {
                int blocks = cols / QK, offset = codeOffset(), groups = QK / group;
                byte[] raw = new byte[blocks * type.blockBytes];
                int[] sc = new int[16], mn = new int[16];
                kernel.copyRow(w, cols, r, raw);
                for (int blk = 0; blk < blocks; blk++) {
                    int off = blk * type.blockBytes;
                    kernel.codes(raw, off, codes, blk * QK);
                    scalesAndMinimums(raw, off, sc, 0, mn, 0);
                    scales[blk] = d(raw, off);
                    minimums[blk] = dmin(raw, off);
                    for (int g = 0; g < groups; g++) {
                        groupScales[blk * groups + g] = signedByte(sc[g], r, blk);
                        groupMins[blk * groups + g] = signedByte(mn[g], r, blk);
                    }
                    for (int e = blk * QK; e < (blk + 1) * QK; e++) codes[e] = (byte) (codes[e] + offset);
                }
            }

            private byte signedByte(int multiplier, int r, int blk) {
                if (multiplier != (byte) multiplier) {
                    throw new IllegalStateException(type + " row " + r + ", super-block " + blk + ": group multiplier " + multiplier + " outside a byte");
                }
                return (byte) multiplier;
            }
        };
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Codes of one {@link #F}-wide group: widened in one conversion. */
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * F.length()));

    /** Added to each code before scaling (Q6_K stores codes offset by 32); 0 for the others. */
    int codeOffset() {
        return 0;
    }

    /** The scalar twin's dequantization: {@link #dequantize} value by value. */
    final void dequantizeRowScalar(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        int blocks = cols / QK;
        byte[] raw = new byte[blocks * type.blockBytes], codes = new byte[QK];
        int[] sc = new int[16], mn = new int[16];
        copyRow(w, cols, r, raw);
        for (int blk = 0; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            scales(raw, off, sc, 0);
            minimums(raw, off, mn, 0);
            float d = d(raw, off), dmin = dmin(raw, off);
            for (int e = 0; e < QK; e++) {
                dst[dstOffset + blk * QK + e] = dequantize(codes[e], sc[e / group], mn[e / group], d, dmin);
            }
        }
    }

    /** A weight row decoded for the vector kernel; one per thread ({@link #row}), reused across rows and calls. */
    private static final class Row {
        final byte[] raw;
        final byte[] codes;     // natural order
        final int[] laneScale;  // super-block blk, chunk c, lane l: the scale of values 32c+4l..32c+4l+3
        final int[] coef;       // 16 per super-block: Q6_K's scales, else the minimums
        final float[] d, dmin;
        final int[] sc = new int[16];
        final int[] corr = new int[8];
        final int[] lanes = new int[8];

        Row(int cols, int blockBytes) {
            int blocks = cols / QK;
            raw = new byte[blocks * blockBytes];
            codes = new byte[cols];
            laneScale = new int[blocks * 64];
            coef = new int[blocks * 16];
            d = new float[blocks];
            dmin = new float[blocks];
        }
    }

    /** The largest super-block of the types here (Q6_K's): a thread's row serves every type. */
    private static final int MAX_BLOCK_BYTES = GgmlType.Q6_K.blockBytes;
    private static final ThreadLocal<Row> ROWS = new ThreadLocal<>();

    /** This thread's decoded-row arrays for rows of {@code cols} values, replaced only by a longer row. */
    private static Row row(int cols) {
        Row row = ROWS.get();
        if (row == null || row.codes.length < cols) {
            row = new Row(cols, MAX_BLOCK_BYTES);
            ROWS.set(row);
        }
        return row;
    }

    private void decode(MemorySegment w, int cols, int r, Row row) {
        copyRow(w, cols, r, row.raw);
        for (int blk = 0; blk < cols / QK; blk++) {
            int off = blk * type.blockBytes;
            codes(row.raw, off, row.codes, blk * QK);
            scalesAndMinimums(row.raw, off, row.sc, 0, row.coef, blk * 16);
            if (mins == Mins.OFFSET_32) System.arraycopy(row.sc, 0, row.coef, blk * 16, 16);
            spreadScales(row.sc, row.laneScale, blk * 64);
            row.d[blk] = d(row.raw, off);
            row.dmin[blk] = dmin(row.raw, off);
        }
    }

    private static final VectorMask<Integer> UPPER_FOUR = VectorMask.fromLong(I8, 0xf0);

    /**
     * Lane l of chunk c gets the scale of values 32c+4l..32c+4l+3: the chunk's one scale
     * (32-value groups), or scale 2c in lanes 0-3 and 2c+1 in lanes 4-7 (16-value groups).
     * A vector store per chunk; this runs once per super-block of every row, on the decode path.
     */
    private void spreadScales(int[] sc, int[] laneScale, int at) {
        for (int c = 0; c < 8; c++) {
            IntVector v = group == 32 ? IntVector.broadcast(I8, sc[c])
                    : IntVector.broadcast(I8, sc[2 * c]).blend(sc[2 * c + 1], UPPER_FOUR);
            v.intoArray(laneScale, at + 8 * c);
        }
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations act, int r0, int r1, float[] out, int outStride) {
        Q8Rows x = act.q8();
        int blocks = cols / QK;
        RowDot direct = rowDot(), interleaved = interleavedRowDot();
        // Plain layouts switch to ggml's tiled steps from TILED_MIN_BATCH rows, which RowDot does
        // not take; the repacked one keeps GEMV steps except for interleaved rows.
        boolean reads = direct != null && x.batch <= direct.maxBatch()
                && (path == Path.REPACKED ? x.interleavedRows == 0 || interleaved != null : x.batch < TILED_MIN_BATCH);
        if (reads) {
            long rowBytes = (long) blocks * type.blockBytes;
            int[] lanes = Scratch.mine().lanes;
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < x.batch; b++) {
                    out[b * outStride + r] = (b < x.interleavedRows ? interleaved : direct).dot(w, r * rowBytes, blocks, x, b, lanes);
                }
            }
            return;
        }
        Row row = row(cols);
        boolean tiled = path == Path.PLAIN && x.batch >= TILED_MIN_BATCH;
        for (int r = r0; r < r1; r++) {
            decode(w, cols, r, row);
            for (int b = 0; b < x.batch; b++) {
                out[b * outStride + r] = path == Path.REPACKED ? repackedDot(row, x, b, blocks)
                        : tiled ? tiledDot(row, x, b, blocks) : vecDot(row, x, b, blocks);
            }
        }
    }

    /**
     * The super-block's 8 integer lanes as ggml_vec_dot forms them (Q6_K's offset included),
     * left in {@code row.lanes}. An array, not a returned vector, on purpose: this method is big
     * and its callers bigger, C2 may not inline it, and a vector returned from a call that is
     * not inlined is boxed on the heap.
     */
    private void lanes(Row row, Q8Rows x, int blk, int xblk) {
        IntVector sum = IntVector.zero(I8);
        for (int c = 0; c < 8; c++) {
            // IntLanes' pair sums, written out: see the class comment on vectors and helpers.
            int wo = blk * QK + 32 * c, xo = xblk * QK + 32 * c;
            ShortVector w = ByteVector.fromArray(B32, row.codes, wo).reinterpretAsShorts();
            IntVector t = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, x.pairs, xo))
                    .add(w.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, x.pairs, xo + 16))).reinterpretAsInts();
            IntVector chunk = t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16));
            sum = sum.add(chunk.mul(IntVector.fromArray(I8, row.laneScale, blk * 64 + 8 * c)));
        }
        if (mins == Mins.OFFSET_32) {
            for (int l = 0; l < 8; l++) {
                row.corr[l] = (row.coef[blk * 16 + 2 * l] * x.bsums[xblk * 16 + 2 * l]
                        + row.coef[blk * 16 + 2 * l + 1] * x.bsums[xblk * 16 + 2 * l + 1]) << 5;
            }
            sum = sum.sub(IntVector.fromArray(I8, row.corr, 0));
        }
        sum.intoArray(row.lanes, 0);
    }

    /** Minimum pair k of a 32-value-minimum super-block: min[2k] q8s[2k] + min[2k+1] q8s[2k+1], q8s = 32-value sums. */
    private static int minPair(int[] coef, int co, int[] bsums, int bo, int k) {
        return coef[co + 2 * k] * (bsums[bo + 4 * k] + bsums[bo + 4 * k + 1])
                + coef[co + 2 * k + 1] * (bsums[bo + 4 * k + 2] + bsums[bo + 4 * k + 3]);
    }

    /** The minimum's integer total s2 of a super-block (tiled and repacked paths). */
    private int minTotal(int[] coef, int co, int[] bsums, int bo) {
        int s2 = 0;
        if (mins == Mins.LANES) {
            for (int s = 0; s < 16; s++) s2 += coef[co + s] * bsums[bo + s];
        } else if (hasMin()) {
            for (int k = 0; k < 4; k++) s2 += minPair(coef, co, bsums, bo, k);
        }
        return s2;
    }

    private boolean hasMin() {
        return mins == Mins.LANES || mins == Mins.QUAD || mins == Mins.SCALAR;
    }

    private float vecDot(Row row, Q8Rows x, int b, int blocks) {
        FloatVector acc = FloatVector.zero(F8);
        float accM0 = 0, accM1 = 0, accM2 = 0, accM3 = 0, summs = 0;
        for (int blk = 0; blk < blocks; blk++) {
            int xblk = b * blocks + blk;
            float dx = x.d[xblk];
            float d = dx * row.d[blk];
            float dmin = -dx * row.dmin[blk];
            int co = blk * 16, bo = xblk * 16;
            switch (mins) {
                case LANES -> {
                    for (int l = 0; l < 8; l++) {
                        row.corr[l] = row.coef[co + 2 * l] * x.bsums[bo + 2 * l] + row.coef[co + 2 * l + 1] * x.bsums[bo + 2 * l + 1];
                    }
                    acc = FloatVector.broadcast(F8, dmin).fma((FloatVector) IntVector.fromArray(I8, row.corr, 0).convert(VectorOperators.I2F, 0), acc);
                }
                case QUAD -> {
                    accM0 = Math.fma(dmin, (float) minPair(row.coef, co, x.bsums, bo, 0), accM0);
                    accM1 = Math.fma(dmin, (float) minPair(row.coef, co, x.bsums, bo, 1), accM1);
                    accM2 = Math.fma(dmin, (float) minPair(row.coef, co, x.bsums, bo, 2), accM2);
                    accM3 = Math.fma(dmin, (float) minPair(row.coef, co, x.bsums, bo, 3), accM3);
                }
                case SCALAR -> summs = Math.fma(dmin, (float) minTotal(row.coef, co, x.bsums, bo), summs);
                default -> { }
            }
            lanes(row, x, blk, xblk);
            acc = FloatVector.broadcast(F8, d).fma((FloatVector) IntVector.fromArray(I8, row.lanes, 0).convert(VectorOperators.I2F, 0), acc);
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES)); // LaneFolds.evenOdd, written out
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        float sum = p.lane(0) + p.lane(1);
        return switch (mins) {
            case QUAD -> sum + ((accM0 + accM2) + (accM1 + accM3));
            case SCALAR -> sum + summs;
            default -> sum;
        };
    }

    private float tiledDot(Row row, Q8Rows x, int b, int blocks) {
        float out = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            int xblk = b * blocks + blk;
            lanes(row, x, blk, xblk);
            int s1 = IntLanes.total(row.lanes);
            float res = row.d[blk] * (float) s1;
            if (hasMin()) res = Math.fma(-row.dmin[blk], (float) minTotal(row.coef, blk * 16, x.bsums, xblk * 16), res);
            out = Math.fma(res, x.d[xblk], out);
        }
        return out;
    }

    private float repackedDot(Row row, Q8Rows x, int b, int blocks) {
        boolean gemm = b < x.interleavedRows;
        float acc = 0f, accMin = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            int xblk = b * blocks + blk;
            float scale = row.d[blk] * x.d[xblk], minScale = row.dmin[blk] * x.d[xblk];
            if (gemm) {
                for (int p = 0; p < 4; p++) {
                    int s1 = chunkTotal(row, x, blk, xblk, 2 * p) + chunkTotal(row, x, blk, xblk, 2 * p + 1);
                    acc = Math.fma((float) s1, scale, acc);
                    accMin = Math.fma((float) minPair(row.coef, blk * 16, x.bsums, xblk * 16, p), minScale, accMin);
                }
            } else {
                lanes(row, x, blk, xblk);
                int s1 = IntLanes.total(row.lanes);
                acc = Math.fma((float) s1, scale, acc);
                accMin = Math.fma((float) minTotal(row.coef, blk * 16, x.bsums, xblk * 16), minScale, accMin);
            }
        }
        return acc - accMin;
    }

    /** The scaled integer total of 32-value chunk {@code c} of a super-block. */
    private static int chunkTotal(Row row, Q8Rows x, int blk, int xblk, int c) {
        int wo = blk * QK + 32 * c, xo = xblk * QK + 32 * c; // IntLanes' pair sums, written out
        ShortVector w = ByteVector.fromArray(B32, row.codes, wo).reinterpretAsShorts();
        IntVector t = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, x.pairs, xo))
                .add(w.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, x.pairs, xo + 16))).reinterpretAsInts();
        t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16))
                .mul(IntVector.fromArray(I8, row.laneScale, blk * 64 + 8 * c)).intoArray(row.lanes, 0);
        return IntLanes.total(row.lanes);
    }

    @Override
    public WeightKernel reference() {
        return new Scalar(this);
    }

    /**
     * Scalar twin: natural-order integers and plain loops for every integer lane, the same
     * floating-point steps. Shares only the super-block decoding with the vector kernel.
     */
    static final class Scalar implements WeightKernel {
        private final SuperBlockKernel k;

        Scalar(SuperBlockKernel k) {
            this.k = k;
        }

        @Override public GgmlType type() { return k.type; }
        @Override public Activations prepare(float[] x, int batch, int cols) { return k.prepare(x, batch, cols); }
        @Override public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int o) { k.dequantizeRowScalar(w, cols, r, dst, o); }
        @Override public WeightKernel reference() { return this; }
        @Override public WeightKernel forMatrix(int rows) { return new Scalar((SuperBlockKernel) k.forMatrix(rows)); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations act, int r0, int r1, float[] out, int outStride) {
            Q8Rows x = act.q8();
            int blocks = cols / QK;
            boolean tiled = k.path == Path.PLAIN && x.batch >= TILED_MIN_BATCH;
            byte[] raw = new byte[blocks * k.type.blockBytes], codes = new byte[QK];
            int[] sc = new int[16], mn = new int[16];
            for (int r = r0; r < r1; r++) {
                k.copyRow(w, cols, r, raw);
                for (int b = 0; b < x.batch; b++) {
                    float[] acc = new float[8], accM = new float[4];
                    float summs = 0f, single = 0f, singleMin = 0f;
                    for (int blk = 0; blk < blocks; blk++) {
                        int off = blk * k.type.blockBytes;
                        k.codes(raw, off, codes, 0);
                        k.scales(raw, off, sc, 0);
                        k.minimums(raw, off, mn, 0);
                        int xblk = b * blocks + blk;
                        int[] bs = new int[16];
                        System.arraycopy(x.bsums, xblk * 16, bs, 0, 16);
                        int[] lane = new int[8], chunk = new int[8];
                        for (int e = 0; e < QK; e++) {
                            lane[(e % 32) / 4] += sc[e / k.group] * codes[e] * x.value(b, blk * QK + e);
                            chunk[e / 32] += sc[e / k.group] * codes[e] * x.value(b, blk * QK + e);
                        }
                        if (k.mins == Mins.OFFSET_32) {
                            for (int l = 0; l < 8; l++) lane[l] -= 32 * (sc[2 * l] * bs[2 * l] + sc[2 * l + 1] * bs[2 * l + 1]);
                        }
                        int s1 = 0;
                        for (int l = 0; l < 8; l++) s1 += lane[l];
                        int[] pair = new int[4];
                        int s2 = 0;
                        for (int s = 0; s < 16 && k.mins == Mins.LANES; s++) s2 += mn[s] * bs[s];
                        for (int p = 0; p < 4 && (k.mins == Mins.QUAD || k.mins == Mins.SCALAR); p++) {
                            pair[p] = mn[2 * p] * (bs[4 * p] + bs[4 * p + 1]) + mn[2 * p + 1] * (bs[4 * p + 2] + bs[4 * p + 3]);
                            s2 += pair[p];
                        }
                        float dw = k.d(raw, off), dminw = k.dmin(raw, off), dx = x.d[xblk];
                        if (k.path == Path.REPACKED && b < x.interleavedRows) {
                            for (int p = 0; p < 4; p++) {
                                single = Math.fma((float) (chunk[2 * p] + chunk[2 * p + 1]), dw * dx, single);
                                singleMin = Math.fma((float) pair[p], dminw * dx, singleMin);
                            }
                        } else if (k.path == Path.REPACKED) {
                            single = Math.fma((float) s1, dw * dx, single);
                            singleMin = Math.fma((float) s2, dminw * dx, singleMin);
                        } else if (tiled) {
                            float res = dw * (float) s1;
                            if (k.hasMin()) res = Math.fma(-dminw, (float) s2, res);
                            single = Math.fma(res, dx, single);
                        } else {
                            float d = dx * dw, dmin = -dx * dminw;
                            if (k.mins == Mins.LANES) {
                                for (int l = 0; l < 8; l++) acc[l] = Math.fma(dmin, (float) (mn[2 * l] * bs[2 * l] + mn[2 * l + 1] * bs[2 * l + 1]), acc[l]);
                            }
                            for (int p = 0; p < 4 && k.mins == Mins.QUAD; p++) accM[p] = Math.fma(dmin, (float) pair[p], accM[p]);
                            if (k.mins == Mins.SCALAR) summs = Math.fma(dmin, (float) s2, summs);
                            for (int l = 0; l < 8; l++) acc[l] = Math.fma(d, (float) lane[l], acc[l]);
                        }
                    }
                    float result;
                    if (k.path == Path.REPACKED) result = single - singleMin;
                    else if (tiled) result = single;
                    else {
                        result = IntLanes.hsum(acc);
                        if (k.mins == Mins.QUAD) result += (accM[0] + accM[2]) + (accM[1] + accM[3]);
                        if (k.mins == Mins.SCALAR) result += summs;
                    }
                    out[b * outStride + r] = result;
                }
            }
        }
    }
}
