package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.B32;
import static dev.loupe.engine.kernels.IntLanes.F8;
import static dev.loupe.engine.kernels.IntLanes.S16;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights in blocks of 32 values with an fp16 scale (Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL), times
 * activations quantized to Q8_0 (Q8_1 for the types with a minimum). Each subclass only says
 * how a block stores its 32 integers and scales; the arithmetic after the exact integer sums
 * follows the ggml path llama.cpp takes (haswell CPU backend):
 * <ul>
 *   <li>{@link Path#VEC_DOT}: {@code ggml_vec_dot_*}, for every batch size (Debian's build has
 *       llamafile's sgemm compiled out): per block, lane {@code l} of an 8-lane accumulator gets
 *       {@code fma(d_w * d_x, sum of products 4l..4l+3, acc)}, folded at the end by
 *       ggml's hsum_float_8 ({@link LaneFolds#evenOdd}); Q4_1/Q5_1 add the minimum's term {@code m_w * s_x} to a
 *       separate float; IQ4_NL alternates two accumulators ({@link #pairedVecDot}).</li>
 *   <li>{@link Path#REPACKED}: the 8x8 interleaved layout ggml's CPU_REPACK buffer gives
 *       Q4_0 and IQ4_NL matrices whose row count is a multiple of 8 (GEMV and GEMM alike): the
 *       whole block's integer sum, converted once, times {@code d_w * d_x} in one FMA per block
 *       into a single float.</li>
 * </ul>
 */
abstract class BlockKernel implements WeightKernel {
    static final int QK = 32;

    enum Path { VEC_DOT, REPACKED }

    final GgmlType type;
    final Path path;

    BlockKernel(GgmlType type, Path path) {
        this.type = type;
        this.path = path;
    }

    /** Writes the integers of the block at {@code raw[off..]}, in natural order, to {@code dst[at..at+32)}. */
    abstract void codes(byte[] raw, int off, byte[] dst, int at);

    /** The block's scale d. */
    float d(byte[] raw, int off) {
        return BlockFormats.f16(raw, off);
    }

    /** The block's minimum m (Q4_1, Q5_1), else 0. */
    float m(byte[] raw, int off) {
        return 0f;
    }

    /** Whether the activations carry Q8_1's {@code s} and the dot product a minimum term. */
    boolean hasMin() {
        return false;
    }

    /** ggml's dequantization of one value (dequantize_row_*). */
    float dequantize(int code, float d, float m) {
        return code * d;
    }

    /** The same type with the repacked-layout arithmetic, for kernels that have it. */
    BlockKernel repacked() {
        return this;
    }

    @Override public GgmlType type() { return type; }

    @Override
    public WeightKernel forMatrix(int rows) {
        return rows % 8 == 0 ? repacked() : this;
    }

    /**
     * Q8_1's values are Q8_0's (it only adds block sums); for the types whose panels hold 4-bit
     * codes, Q8_0's blocks with a narrow scale.
     */
    @Override
    public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        if (fourBitCodes()) ActivationRounding.narrowScaled(x, xo, dst, dstOffset, cols, false, null, null, QK);
        else ActivationRounding.q8_0(x, xo, dst, dstOffset, cols);
    }

    @Override
    public boolean roundRowToIntegers(float[] x, int xo, float[] dst, short[] integers, float[] groupScales, int group, int cols) {
        if (!fourBitCodes()) return false;
        ActivationRounding.narrowScaled(x, xo, dst, 0, cols, false, integers, groupScales, group);
        return true;
    }

    /** Whether {@link #int8Codes} spans at most 16 codes (Q4_0, Q4_1): panels of 4-bit codes. */
    private boolean fourBitCodes() {
        return type == GgmlType.Q4_0 || type == GgmlType.Q4_1;
    }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        return new Activations(hasMin() ? Q8Rows.q8_1(x, batch, cols) : Q8Rows.q8_0(x, batch, cols));
    }

    /** Copies row {@code r} (its blocks) into {@code raw}. */
    final void copyRow(MemorySegment w, int cols, int r, byte[] raw) {
        long rowBytes = (long) cols / QK * type.blockBytes;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, r * rowBytes, raw, 0, (int) rowBytes);
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        int blocks = cols / QK;
        Scratch scratch = Scratch.mine();
        byte[] raw = scratch.blocks(blocks * type.blockBytes), codes = scratch.codes(QK);
        copyRow(w, cols, r, raw);
        for (int blk = 0; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            float d = d(raw, off), m = addend(raw, off);
            for (int e = 0; e < QK; e += F.length()) {
                ((FloatVector) ByteVector.fromArray(BF, codes, e).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m)
                        .intoArray(dst, dstOffset + blk * QK + e);
            }
        }
    }

    /**
     * {@link #dequantizeRow}'s {@code code * d + m} as {@link Int8Panels} writes it,
     * {@code code * scale - min} with {@code min = -m}: negation is exact and {@code x - y} is
     * {@code x + -y}, so the floats are the same (for the types without a minimum, m = -0 and
     * the panels subtract +0, again x itself).
     */
    @Override
    public Int8Panels.RowSource int8Codes(MemorySegment w, int cols) {
        BlockKernel kernel = this;
        return new Int8Panels.RowSource() {
            @Override public int group() { return QK; }
            @Override public boolean hasMins() { return hasMin(); }

            /** Q4_0's codes are -8..7 and Q4_1's 0..15: 4-bit panels; Q5_0, Q5_1 and IQ4_NL need a byte. */
            @Override
            public int lowestCode() {
                return switch (type) {
                    case Q4_0 -> -8;
                    case Q4_1 -> 0;
                    default -> Byte.MIN_VALUE;
                };
            }

            @Override
            public int highestCode() {
                return switch (type) {
                    case Q4_0 -> 7;
                    case Q4_1 -> 15;
                    default -> Byte.MAX_VALUE;
                };
            }

            @Override
            public void codes(int r, byte[] codes, float[] scales, float[] minimums, byte[] groupScales, byte[] groupMins) {
                int blocks = cols / QK;
                byte[] raw = new byte[blocks * type.blockBytes];
                kernel.copyRow(w, cols, r, raw);
                for (int blk = 0; blk < blocks; blk++) {
                    int off = blk * type.blockBytes;
                    kernel.codes(raw, off, codes, blk * QK);
                    scales[blk] = d(raw, off);
                    minimums[blk] = -addend(raw, off);
                }
            }
        };
    }

    /**
     * What dequantize's float steps add to {@code code * d}: the minimum, or -0 where there is
     * none. {@code x + -0} is {@code x} for every float, -0 and NaN included ({@code + 0} would
     * turn -0 into +0), so the vector loops add it unconditionally: one straight line of
     * vector operations, no vector merged from two branches (which C2 may not keep in
     * registers).
     */
    final float addend(byte[] raw, int off) {
        return hasMin() ? m(raw, off) : -0f;
    }

    /** Measured on the SmolVLM-256M shape: 1.3-1.9x ggml's single-row product (Q4_0, Q4_1, Q5_0, Q5_1). */
    @Override
    public boolean stripesOneRow() {
        return true;
    }

    /**
     * One activation row: each block's codes decoded once and its values, formed with
     * {@link #dequantizeRow}'s float steps, fed straight to the accumulators of
     * {@link StripedDot} (two of 16 lanes, or four of 8 where 256-bit vectors are the widest)
     * instead of a buffer.
     */
    @Override
    public void multiplyStriped(MemorySegment w, int cols, float[] x, int batch, int r0, int r1, float[] out, int outStride) {
        if (batch > 1 || F.length() != (StripedDot.WIDE ? 16 : 8)) {
            WeightKernel.super.multiplyStriped(w, cols, x, batch, r0, r1, out, outStride);
            return;
        }
        Scratch scratch = Scratch.mine();
        byte[] raw = scratch.blocks(cols / QK * type.blockBytes), codes = scratch.codes(QK);
        for (int r = r0; r < r1; r++) {
            copyRow(w, cols, r, raw);
            out[r] = StripedDot.WIDE ? stripedRowWide(raw, cols, x, codes) : stripedRowNarrow(raw, cols, x, codes);
        }
    }

    /** A row copied to {@code raw} times {@code x}: stripes 0-15 and 16-31 in two 16-lane accumulators. */
    private float stripedRowWide(byte[] raw, int cols, float[] x, byte[] codes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0, blocks = cols / QK; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            float d = d(raw, off), m = addend(raw, off);
            FloatVector lo = ((FloatVector) ByteVector.fromArray(BF, codes, 0).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            FloatVector hi = ((FloatVector) ByteVector.fromArray(BF, codes, 16).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            a0 = lo.fma(FloatVector.fromArray(F, x, blk * QK), a0);
            a1 = hi.fma(FloatVector.fromArray(F, x, blk * QK + 16), a1);
        }
        FloatVector f = a0.add(a1); // StripedDot's fold, written out (see the note above laneDot)
        f = f.add(f.rearrange(StripedDot.UPPER8));
        f = f.add(f.rearrange(StripedDot.UPPER4));
        f = f.add(f.rearrange(StripedDot.UPPER2));
        return f.lane(0) + f.lane(1);
    }

    /** As {@link #stripedRowWide} with four 8-lane accumulators (stripes 0-7, 8-15, 16-23, 24-31). */
    private float stripedRowNarrow(byte[] raw, int cols, float[] x, byte[] codes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, blocks = cols / QK; blk < blocks; blk++) {
            int off = blk * type.blockBytes, xo = blk * QK;
            codes(raw, off, codes, 0);
            float d = d(raw, off), m = addend(raw, off);
            FloatVector v0 = ((FloatVector) ByteVector.fromArray(BF, codes, 0).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            FloatVector v1 = ((FloatVector) ByteVector.fromArray(BF, codes, 8).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            FloatVector v2 = ((FloatVector) ByteVector.fromArray(BF, codes, 16).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            FloatVector v3 = ((FloatVector) ByteVector.fromArray(BF, codes, 24).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m);
            a0 = v0.fma(FloatVector.fromArray(F, x, xo), a0);
            a1 = v1.fma(FloatVector.fromArray(F, x, xo + 8), a1);
            a2 = v2.fma(FloatVector.fromArray(F, x, xo + 16), a2);
            a3 = v3.fma(FloatVector.fromArray(F, x, xo + 24), a3);
        }
        FloatVector t = a0.add(a2).add(a1.add(a3)); // StripedDot's fold, written out (see the note above laneDot)
        FloatVector h = t.add(t.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return p.lane(0) + p.lane(1);
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Codes of one {@link #F}-wide group: widened in one conversion. */
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * F.length()));

    /** The scalar twin's dequantization: {@link #dequantize} value by value. */
    final void dequantizeRowScalar(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        int blocks = cols / QK;
        byte[] raw = new byte[blocks * type.blockBytes], codes = new byte[QK];
        copyRow(w, cols, r, raw);
        for (int blk = 0; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            float d = d(raw, off), m = m(raw, off);
            for (int i = 0; i < QK; i++) dst[dstOffset + blk * QK + i] = dequantize(codes[i], d, m);
        }
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations act, int r0, int r1, float[] out, int outStride) {
        Q8Rows x = act.q8();
        int blocks = cols / QK;
        Scratch scratch = Scratch.mine();
        byte[] raw = scratch.blocks(blocks * type.blockBytes);
        byte[] wq = scratch.codes(cols);
        float[] wd = scratch.scales(blocks), wm = scratch.minimums(blocks);
        for (int r = r0; r < r1; r++) {
            copyRow(w, cols, r, raw);
            for (int blk = 0; blk < blocks; blk++) {
                int off = blk * type.blockBytes;
                codes(raw, off, wq, blk * QK);
                wd[blk] = d(raw, off);
                wm[blk] = m(raw, off);
            }
            for (int b = 0; b < x.batch; b++) {
                out[b * outStride + r] = switch (path) {
                    case VEC_DOT -> pairedVecDot() ? pairedDot(wq, wd, x, b) : laneDot(wq, wd, wm, x, b);
                    case REPACKED -> repackedDot(wq, wd, x, b);
                };
            }
        }
    }

    /**
     * Whether ggml_vec_dot alternates two accumulators over pairs of blocks and adds an odd last
     * block in scalar code (IQ4_NL).
     */
    boolean pairedVecDot() {
        return false;
    }

    /*
     * The three dot products below call no helper of ours that takes or returns a vector, only
     * the Vector API itself: IntLanes' pair sums (lane l = products 4l..4l+3 of a block, from the
     * weights' even and odd bytes times the activations' even and odd shorts), the int-to-float
     * conversion and LaneFolds.evenOdd are written out. C2 gives up inlining our methods once
     * a compiled method has grown past its node budget (NodeCountInliningCutoff; ~60 vector
     * operations, and multiply inlines these dots with the row decoding), and a vector passed
     * to a method that is not inlined is boxed on the heap at every call. The Vector API's own
     * methods are inlined late instead, whatever the size.
     */

    /** One 8-lane accumulator, {@code fma(d_w * d_x, lane sum, acc)} per block; plus the minimum's term. */
    static float laneDot(byte[] wq, float[] wd, float[] wm, Q8Rows x, int b) {
        int blocks = x.cols / QK; // wq may be longer (scratch)
        int xb = b * blocks;
        short[] xp = x.pairs;
        FloatVector acc = FloatVector.zero(F8);
        float summs = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            ShortVector w = ByteVector.fromArray(B32, wq, blk * QK).reinterpretAsShorts();
            int xo = (xb + blk) * QK;
            IntVector t = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo))
                    .add(w.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo + 16))).reinterpretAsInts();
            IntVector lanes = t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16));
            acc = FloatVector.broadcast(F8, wd[blk] * x.d[xb + blk]).fma((FloatVector) lanes.convert(VectorOperators.I2F, 0), acc);
            if (x.s != null) summs += wm[blk] * x.s[xb + blk];
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        float sum = p.lane(0) + p.lane(1);
        return x.s != null ? sum + summs : sum;
    }

    /**
     * IQ4_NL's ggml_vec_dot: blocks 0, 2, 4... into one accumulator, 1, 3, 5... into another,
     * the two added lane-wise before the fold; an odd last block added as
     * {@code fma(d_x * d_w, sum, result)} (gcc contracts that scalar line).
     */
    static float pairedDot(byte[] wq, float[] wd, Q8Rows x, int b) {
        int blocks = x.cols / QK; // wq may be longer (scratch)
        int xb = b * blocks;
        short[] xp = x.pairs;
        FloatVector acc1 = FloatVector.zero(F8), acc2 = acc1;
        int blk = 0;
        for (; blk + 1 < blocks; blk += 2) {
            ShortVector w1 = ByteVector.fromArray(B32, wq, blk * QK).reinterpretAsShorts();
            ShortVector w2 = ByteVector.fromArray(B32, wq, (blk + 1) * QK).reinterpretAsShorts();
            int xo1 = (xb + blk) * QK, xo2 = xo1 + QK;
            IntVector t1 = w1.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo1))
                    .add(w1.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo1 + 16))).reinterpretAsInts();
            IntVector t2 = w2.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo2))
                    .add(w2.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo2 + 16))).reinterpretAsInts();
            IntVector l1 = t1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t1.lanewise(VectorOperators.ASHR, 16));
            IntVector l2 = t2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t2.lanewise(VectorOperators.ASHR, 16));
            acc1 = FloatVector.broadcast(F8, x.d[xb + blk] * wd[blk]).fma((FloatVector) l1.convert(VectorOperators.I2F, 0), acc1);
            acc2 = FloatVector.broadcast(F8, x.d[xb + blk + 1] * wd[blk + 1]).fma((FloatVector) l2.convert(VectorOperators.I2F, 0), acc2);
        }
        FloatVector both = acc1.add(acc2);
        FloatVector h = both.add(both.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        float sum = p.lane(0) + p.lane(1);
        if (blk < blocks) sum = Math.fma(x.d[xb + blk] * wd[blk], (float) blockTotal(wq, blk * QK, xp, (xb + blk) * QK), sum);
        return sum;
    }

    /** Repacked 8x8 GEMV/GEMM: the block's whole integer sum, one FMA per block. */
    static float repackedDot(byte[] wq, float[] wd, Q8Rows x, int b) {
        int blocks = x.cols / QK; // wq may be longer (scratch)
        int xb = b * blocks;
        float acc = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            acc = Math.fma((float) blockTotal(wq, blk * QK, x.pairs, (xb + blk) * QK), wd[blk] * x.d[xb + blk], acc);
        }
        return acc;
    }

    /**
     * The exact integer sum of a block's 32 products, weights {@code wq[wo..]} times
     * activations {@code xp[xo..]}: integers, so summed in any order (pairs of shorts, then all
     * lanes). Takes and returns no vector, so it is safe to call out of line.
     */
    private static int blockTotal(byte[] wq, int wo, short[] xp, int xo) {
        ShortVector w = ByteVector.fromArray(B32, wq, wo).reinterpretAsShorts();
        IntVector t = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo))
                .add(w.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xo + 16))).reinterpretAsInts();
        return t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16))
                .reduceLanes(VectorOperators.ADD);
    }

    @Override
    public WeightKernel reference() {
        return new Scalar(this);
    }

    /**
     * Scalar twin: natural-order integers, plain loops, the same floating-point steps. Shares
     * only the block decoding ({@link #codes}, {@link #d}, {@link #m}) with the vector kernel.
     */
    static final class Scalar implements WeightKernel {
        private final BlockKernel k;

        Scalar(BlockKernel k) {
            this.k = k;
        }

        @Override public GgmlType type() { return k.type; }
        @Override public Activations prepare(float[] x, int batch, int cols) { return k.prepare(x, batch, cols); }
        @Override public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int o) { k.dequantizeRowScalar(w, cols, r, dst, o); }
        @Override public WeightKernel reference() { return this; }
        @Override public WeightKernel forMatrix(int rows) { return new Scalar((BlockKernel) k.forMatrix(rows)); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations act, int r0, int r1, float[] out, int outStride) {
            Q8Rows x = act.q8();
            int blocks = cols / QK;
            boolean paired = k.path == Path.VEC_DOT && k.pairedVecDot();
            byte[] raw = new byte[blocks * k.type.blockBytes], codes = new byte[QK];
            for (int r = r0; r < r1; r++) {
                k.copyRow(w, cols, r, raw);
                for (int b = 0; b < x.batch; b++) {
                    float[][] acc = new float[2][8];
                    float summs = 0f, single = 0f, tail = 0f, tailScale = 0f;
                    for (int blk = 0; blk < blocks; blk++) {
                        int off = blk * k.type.blockBytes;
                        k.codes(raw, off, codes, 0);
                        int xb = b * blocks + blk;
                        int[] lane = new int[8];
                        int sum = 0;
                        for (int i = 0; i < QK; i++) {
                            lane[i / 4] += codes[i] * x.value(b, blk * QK + i);
                            sum += codes[i] * x.value(b, blk * QK + i);
                        }
                        if (k.path == Path.REPACKED) {
                            single = Math.fma((float) sum, k.d(raw, off) * x.d[xb], single);
                        } else if (paired && blk == blocks - 1 && blocks % 2 == 1) {
                            tail = (float) sum;
                            tailScale = x.d[xb] * k.d(raw, off);
                        } else {
                            float[] a = acc[paired ? blk % 2 : 0];
                            float scale = paired ? x.d[xb] * k.d(raw, off) : k.d(raw, off) * x.d[xb];
                            for (int l = 0; l < 8; l++) a[l] = Math.fma(scale, (float) lane[l], a[l]);
                            if (x.s != null) summs += k.m(raw, off) * x.s[xb];
                        }
                    }
                    float result;
                    if (k.path == Path.REPACKED) {
                        result = single;
                    } else if (paired) {
                        float[] both = new float[8];
                        for (int l = 0; l < 8; l++) both[l] = acc[0][l] + acc[1][l];
                        result = IntLanes.hsum(both);
                        if (blocks % 2 == 1) result = Math.fma(tailScale, tail, result);
                    } else {
                        result = x.s != null ? IntLanes.hsum(acc[0]) + summs : IntLanes.hsum(acc[0]);
                    }
                    out[b * outStride + r] = result;
                }
            }
        }
    }
}
