package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar twin of the float-weight kernels: dequantizes each row with plain loops and sums in
 * ggml's order with scalar arithmetic, so the vector kernel must agree bit for bit.
 */
final class DequantizingReference implements WeightKernel {
    private final WeightKernel kernel;
    private final ScalarRow scalarRow;

    /** Reads one weight with scalar code. */
    @FunctionalInterface
    interface ScalarRow {
        float get(MemorySegment w, long index);
    }

    DequantizingReference(F32Kernel kernel) {
        this(kernel, (w, i) -> w.get(Layouts.F32, 4 * i));
    }

    DequantizingReference(WeightKernel kernel, ScalarRow scalarRow) {
        this.kernel = kernel;
        this.scalarRow = scalarRow;
    }

    @Override public GgmlType type() { return kernel.type(); }
    @Override public Activations prepare(float[] x, int batch, int cols) { return kernel.prepare(x, batch, cols); }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            dequantizeRow(w, cols, r, row, 0);
            for (int b = 0; b < x.batch(); b++) out[b * outStride + r] = GgmlOrder.dotScalar(row, 0, x.values(), b * cols, cols);
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        for (int i = 0; i < cols; i++) dst[dstOffset + i] = scalarRow.get(w, (long) r * cols + i);
    }

    @Override public WeightKernel reference() { return this; }
}
