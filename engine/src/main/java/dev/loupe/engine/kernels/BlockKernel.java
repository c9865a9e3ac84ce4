package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.F8;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 *       {@link IntLanes#hsum}; Q4_1/Q5_1 add the minimum's term {@code m_w * s_x} to a
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

    /** Q8_1's values are Q8_0's (it only adds block sums). */
    @Override
    public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        ActivationRounding.q8_0(x, xo, dst, dstOffset, cols);
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
        byte[] raw = new byte[blocks * type.blockBytes], codes = new byte[QK];
        copyRow(w, cols, r, raw);
        boolean min = hasMin();
        for (int blk = 0; blk < blocks; blk++) {
            int off = blk * type.blockBytes;
            codes(raw, off, codes, 0);
            float d = d(raw, off), m = m(raw, off);
            // dequantize's float steps, code * d (+ m): the add only where there is a minimum,
            // since -0 + 0 would turn a zero code's -0 into +0.
            for (int e = 0; e < QK; e += F.length()) {
                FloatVector y = ((FloatVector) ByteVector.fromArray(BF, codes, e).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                (min ? y.add(m) : y).intoArray(dst, dstOffset + blk * QK + e);
            }
        }
    }

    /** Measured on the SmolVLM-256M shape: 1.3-1.9x ggml's single-row product (Q4_0, Q4_1, Q5_0, Q5_1). */
    @Override
    public boolean stripesOneRow() {
        return true;
    }

    /**
     * One activation row: each block's codes decoded once and its values, formed with
     * {@link #dequantizeRow}'s float steps, fed straight to the two accumulators of
     * {@link StripedDot} instead of a buffer.
     */
    @Override
    public void multiplyStriped(MemorySegment w, int cols, float[] x, int batch, int r0, int r1, float[] out, int outStride) {
        if (batch > 1 || !StripedDot.WIDE || F.length() != 16) {
            WeightKernel.super.multiplyStriped(w, cols, x, batch, r0, r1, out, outStride);
            return;
        }
        int blocks = cols / QK;
        byte[] raw = new byte[blocks * type.blockBytes], codes = new byte[QK];
        boolean min = hasMin();
        for (int r = r0; r < r1; r++) {
            copyRow(w, cols, r, raw);
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int blk = 0; blk < blocks; blk++) {
                int off = blk * type.blockBytes;
                codes(raw, off, codes, 0);
                float d = d(raw, off), m = m(raw, off);
                FloatVector lo = ((FloatVector) ByteVector.fromArray(BF, codes, 0).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector hi = ((FloatVector) ByteVector.fromArray(BF, codes, 16).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                a0 = (min ? lo.add(m) : lo).fma(FloatVector.fromArray(F, x, blk * QK), a0);
                a1 = (min ? hi.add(m) : hi).fma(FloatVector.fromArray(F, x, blk * QK + 16), a1);
            }
            out[r] = StripedDot.fold(a0, a1);
        }
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
        byte[] raw = new byte[blocks * type.blockBytes];
        byte[] wq = new byte[cols];
        float[] wd = new float[blocks], wm = new float[blocks];
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

    /** One 8-lane accumulator, {@code fma(d_w * d_x, lane sum, acc)} per block; plus the minimum's term. */
    static float laneDot(byte[] wq, float[] wd, float[] wm, Q8Rows x, int b) {
        int blocks = wq.length / QK;
        int xb = b * blocks;
        FloatVector acc = FloatVector.zero(F8);
        float summs = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            IntVector lanes = IntLanes.dot32(wq, blk * QK, x.pairs, (xb + blk) * QK);
            acc = FloatVector.broadcast(F8, wd[blk] * x.d[xb + blk]).fma(IntLanes.toFloat(lanes), acc);
            if (x.s != null) summs += wm[blk] * x.s[xb + blk];
        }
        return x.s != null ? IntLanes.hsum(acc) + summs : IntLanes.hsum(acc);
    }

    /**
     * IQ4_NL's ggml_vec_dot: blocks 0, 2, 4... into one accumulator, 1, 3, 5... into another,
     * the two added lane-wise before the fold; an odd last block added as
     * {@code fma(d_x * d_w, sum, result)} (gcc contracts that scalar line).
     */
    static float pairedDot(byte[] wq, float[] wd, Q8Rows x, int b) {
        int blocks = wq.length / QK;
        int xb = b * blocks;
        FloatVector acc1 = FloatVector.zero(F8), acc2 = acc1;
        int blk = 0;
        for (; blk + 1 < blocks; blk += 2) {
            IntVector l1 = IntLanes.dot32(wq, blk * QK, x.pairs, (xb + blk) * QK);
            IntVector l2 = IntLanes.dot32(wq, (blk + 1) * QK, x.pairs, (xb + blk + 1) * QK);
            acc1 = FloatVector.broadcast(F8, x.d[xb + blk] * wd[blk]).fma(IntLanes.toFloat(l1), acc1);
            acc2 = FloatVector.broadcast(F8, x.d[xb + blk + 1] * wd[blk + 1]).fma(IntLanes.toFloat(l2), acc2);
        }
        float sum = IntLanes.hsum(acc1.add(acc2));
        if (blk < blocks) {
            int tail = IntLanes.dot32(wq, blk * QK, x.pairs, (xb + blk) * QK).reduceLanes(VectorOperators.ADD);
            sum = Math.fma(x.d[xb + blk] * wd[blk], (float) tail, sum);
        }
        return sum;
    }

    /** Repacked 8x8 GEMV/GEMM: the block's whole integer sum, one FMA per block. */
    static float repackedDot(byte[] wq, float[] wd, Q8Rows x, int b) {
        int blocks = wq.length / QK;
        int xb = b * blocks;
        float acc = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            int sum = IntLanes.dot32(wq, blk * QK, x.pairs, (xb + blk) * QK).reduceLanes(VectorOperators.ADD);
            acc = Math.fma((float) sum, wd[blk] * x.d[xb + blk], acc);
        }
        return acc;
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
