package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** F32 weights times F32 activations. */
final class F32Kernel implements WeightKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override public GgmlType type() { return GgmlType.F32; }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        return new Activations(batch, cols, x, null);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        long rowBytes = 4L * cols;
        int upper = S.loopBound(cols);
        float[] xv = x.values();
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int b = 0; b < x.batch(); b++) {
                int xo = b * cols;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < upper; i += S.length()) {
                    FloatVector wv = FloatVector.fromMemorySegment(S, w, base + 4L * i, Layouts.LE);
                    acc = wv.fma(FloatVector.fromArray(S, xv, xo + i), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; i < cols; i++) sum += w.get(Layouts.F32, base + 4L * i) * xv[xo + i];
                out[b * outStride + r] = sum;
            }
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        MemorySegment.copy(w, Layouts.F32, 4L * cols * r, dst, dstOffset, cols);
    }

    @Override public WeightKernel reference() { return new Scalar(); }

    static final class Scalar implements WeightKernel {
        @Override public GgmlType type() { return GgmlType.F32; }
        @Override public Activations prepare(float[] x, int batch, int cols) { return new Activations(batch, cols, x, null); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < x.batch(); b++) {
                    float sum = 0;
                    for (int i = 0; i < cols; i++) sum += w.get(Layouts.F32, 4L * ((long) r * cols + i)) * x.values()[b * cols + i];
                    out[b * outStride + r] = sum;
                }
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = w.get(Layouts.F32, 4L * ((long) r * cols + i));
        }

        @Override public WeightKernel reference() { return this; }
    }
}
