package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 weights: blocks of 32 int8 values with one fp16 scale (34 bytes). Activations are
 * quantized to Q8_0 too, exactly as ggml does before {@code ggml_vec_dot_q8_0_q8_0}, so the
 * per-block integer sums are exact and only the scale products round.
 */
final class Q8_0Kernel implements WeightKernel {
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 4));

    @Override public GgmlType type() { return GgmlType.Q8_0; }

    /**
     * ggml's AVX2 quantize_row_q8_0: d = amax / 127 (stored as fp16), values multiplied by
     * 127 / amax and rounded half to even. Integers are kept as floats: products of two int8
     * and their sums over a block are exact in f32.
     */
    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        return quantize(x, batch, cols);
    }

    static Activations quantize(float[] x, int batch, int cols) {
        int blocks = batch * cols / QK;
        float[] q = new float[batch * cols];
        float[] d = new float[blocks];
        for (int blk = 0; blk < blocks; blk++) {
            int o = blk * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            float id = amax != 0f ? 127f / amax : 0f;
            d[blk] = Layouts.roundF16(amax / 127f);
            for (int j = 0; j < QK; j++) q[o + j] = (float) Math.rint(x[o + j] * id);
        }
        return new Activations(batch, cols, q, d);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        int blocksPerRow = cols / QK;
        long rowBytes = (long) blocksPerRow * BLOCK_BYTES;
        float[] xq = x.values();
        float[] xd = x.scales();
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int b = 0; b < x.batch(); b++) {
                int xo = b * cols;
                int xb = b * blocksPerRow;
                FloatVector acc = FloatVector.zero(S);
                for (int blk = 0; blk < blocksPerRow; blk++) {
                    long off = base + (long) blk * BLOCK_BYTES;
                    float scale = Layouts.f16(w, off) * xd[xb + blk];
                    FloatVector sum = FloatVector.zero(S);
                    for (int j = 0; j < QK; j += S.length()) {
                        FloatVector wq = (FloatVector) ByteVector.fromMemorySegment(SB, w, off + 2 + j, Layouts.LE)
                                .convertShape(VectorOperators.B2F, S, 0);
                        sum = wq.fma(FloatVector.fromArray(S, xq, xo + blk * QK + j), sum);
                    }
                    acc = sum.fma(FloatVector.broadcast(S, scale), acc);
                }
                out[b * outStride + r] = acc.reduceLanes(VectorOperators.ADD);
            }
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        long base = (long) r * (cols / QK) * BLOCK_BYTES;
        for (int blk = 0; blk < cols / QK; blk++) {
            long off = base + (long) blk * BLOCK_BYTES;
            float d = Layouts.f16(w, off);
            for (int j = 0; j < QK; j++) dst[dstOffset + blk * QK + j] = d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + 2 + j);
        }
    }

    @Override public WeightKernel reference() { return new Scalar(); }

    /** Scalar twin: integer block sums, scale product per block, f32 accumulation. */
    static final class Scalar implements WeightKernel {
        @Override public GgmlType type() { return GgmlType.Q8_0; }
        @Override public Activations prepare(float[] x, int batch, int cols) { return quantize(x, batch, cols); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
            int blocksPerRow = cols / QK;
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < x.batch(); b++) {
                    float sum = 0;
                    for (int blk = 0; blk < blocksPerRow; blk++) {
                        long off = ((long) r * blocksPerRow + blk) * BLOCK_BYTES;
                        int isum = 0;
                        for (int j = 0; j < QK; j++) {
                            isum += w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + 2 + j) * (int) x.values()[b * cols + blk * QK + j];
                        }
                        sum += isum * (Layouts.f16(w, off) * x.scales()[b * blocksPerRow + blk]);
                    }
                    out[b * outStride + r] = sum;
                }
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            new Q8_0Kernel().dequantizeRow(w, cols, r, dst, dstOffset);
        }

        @Override public WeightKernel reference() { return this; }
    }
}
