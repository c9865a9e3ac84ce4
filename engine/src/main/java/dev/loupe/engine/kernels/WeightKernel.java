package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Matrix-multiply and dequantization for one GGML weight type. A weight matrix is
 * {@code rows} rows of {@code cols} values, row {@code r} starting at byte
 * {@code r * rowBytes} of its segment.
 *
 * <p>Every type has a Vector API implementation and a scalar reference twin
 * ({@link #reference()}); tests compare the two.
 */
public interface WeightKernel {

    GgmlType type();

    /** Converts {@code batch} rows of {@code cols} floats to this type's activation format. */
    Activations prepare(float[] x, int batch, int cols);

    /**
     * For rows {@code r0..r1-1} and every activation row {@code b}:
     * {@code out[b * outStride + r] = dot(W[r], x[b])}. Each weight row is read once for the
     * whole batch.
     */
    void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride);

    /** Writes the {@code cols} values of row {@code r} as floats to {@code dst[dstOffset...]}. */
    void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset);

    /** The scalar implementation this one must agree with. */
    WeightKernel reference();

    /**
     * The kernel for a matrix of {@code rows} rows of this type. llama.cpp's CPU backend
     * stores some types in an interleaved layout when the row count allows (Q4_0, Q4_K,
     * IQ4_NL with a multiple of 8 rows) and then sums in a different order; such kernels
     * return the variant that reproduces it. Others return themselves.
     */
    default WeightKernel forMatrix(int rows) {
        return this;
    }

    default long rowBytes(int cols) {
        return type().bytesFor(cols);
    }
}
