package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.GgmlOrder.S8;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F32 weights times F32 activations, summed in {@link GgmlOrder ggml's order}. */
final class F32Kernel implements WeightKernel {

    @Override public GgmlType type() { return GgmlType.F32; }

    @Override
    public boolean stripesOneRow() {
        return true;
    }

    /** ggml's vec_dot per row at any batch size. */
    @Override
    public boolean exactRowsBatchInvariant() {
        return true;
    }

    /** F32 activations are used as they are. */
    @Override
    public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        System.arraycopy(x, xo, dst, dstOffset, cols);
    }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        return new Activations(batch, cols, x, null);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        if (x.batch() > 1) {
            GgmlOrder.multiplyWidened(this, w, cols, x, r0, r1, out, outStride);
            return;
        }
        long rowBytes = 4L * cols;
        int blocked = cols & ~31;
        float[] xv = x.values();
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int b = 0; b < x.batch(); b++) {
                int xo = b * cols;
                float result = 0f;
                if (blocked > 0) {
                    FloatVector a0 = FloatVector.zero(S8), a1 = a0, a2 = a0, a3 = a0;
                    for (int i = 0; i < blocked; i += 32) {
                        long o = base + 4L * i;
                        a0 = FloatVector.fromMemorySegment(S8, w, o, Layouts.LE).fma(FloatVector.fromArray(S8, xv, xo + i), a0);
                        a1 = FloatVector.fromMemorySegment(S8, w, o + 32, Layouts.LE).fma(FloatVector.fromArray(S8, xv, xo + i + 8), a1);
                        a2 = FloatVector.fromMemorySegment(S8, w, o + 64, Layouts.LE).fma(FloatVector.fromArray(S8, xv, xo + i + 16), a2);
                        a3 = FloatVector.fromMemorySegment(S8, w, o + 96, Layouts.LE).fma(FloatVector.fromArray(S8, xv, xo + i + 24), a3);
                    }
                    // GgmlOrder's fold, written out (see the note in GgmlOrder)
                    FloatVector t = a0.add(a2).add(a1.add(a3));
                    FloatVector h = t.add(t.rearrange(LaneFolds.HALVES));
                    FloatVector p = h.add(h.rearrange(LaneFolds.NEIGHBOURS));
                    result = p.lane(0) + p.lane(2);
                }
                if (blocked < cols) {
                    double sum = result;
                    for (int i = blocked; i < cols; i++) sum += w.get(Layouts.F32, base + 4L * i) * xv[xo + i];
                    result = (float) sum;
                }
                out[b * outStride + r] = result;
            }
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        MemorySegment.copy(w, Layouts.F32, 4L * cols * r, dst, dstOffset, cols);
    }

    @Override public WeightKernel reference() { return new DequantizingReference(this); }
}
