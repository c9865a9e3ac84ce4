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
     * One activation row as this type's products see it, as floats in natural order
     * ({@link Activations#toFloats} of a batch of one): what {@link Numerics#FAST} products
     * multiply. Quantized formats override it with a vectorized quantizer that skips the
     * exact kernels' integer layouts.
     */
    default void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        float[] row = java.util.Arrays.copyOfRange(x, xo, xo + cols);
        System.arraycopy(prepare(row, 1, cols).toFloats(), 0, dst, dstOffset, cols);
    }

    /**
     * {@link #roundRow} of one row (to {@code dst[0, cols)}) for the types whose panels hold
     * 4-bit codes, whose FAST activations are {@linkplain ActivationRounding#narrowScaled
     * integers times a narrow scale}: also each value's integer, and each group of
     * {@code group} values' scale ({@code dst[k] == integers[k] * groupScales[k / group]}
     * exactly), which {@link Int8Panels}' 4-bit tiles multiply in 16-bit lanes. False, and nothing
     * written, for the other types.
     */
    default boolean roundRowToIntegers(float[] x, int xo, float[] dst, short[] integers, float[] groupScales, int group, int cols) {
        return false;
    }

    /**
     * For rows {@code r0..r1-1} and every activation row {@code b}:
     * {@code out[b * outStride + r] = dot(W[r], x[b])}. Each weight row is read once for the
     * whole batch.
     */
    void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride);

    /**
     * {@link Numerics#FAST}'s decode product: for rows {@code r0..r1-1} and every row
     * {@code b} of {@code x} (floats from {@link #roundRow}, {@code cols} each),
     * {@code out[b * outStride + r] = StripedDot.dot(dequantizeRow(r), x_b)}, bit for bit.
     * By default each row is dequantized into a buffer (the thread's, reused) once and reused
     * for the whole batch; types override it to read a row straight from the mapping.
     */
    default void multiplyStriped(MemorySegment w, int cols, float[] x, int batch, int r0, int r1, float[] out, int outStride) {
        float[] row = Scratch.mine().weights(cols);
        for (int r = r0; r < r1; r++) {
            dequantizeRow(w, cols, r, row, 0);
            StripedDot.multiplyRow(row, x, batch, cols, out, r, outStride);
        }
    }

    /**
     * Whether a lone activation row's {@link Numerics#FAST} product outside a batched decode
     * step (a prompt's single row, a caption decoded on its own) takes {@link #multiplyStriped}
     * rather than ggml's product: true where the striped row reads the weights at least as fast
     * (measured per type). The others keep ggml's single-row kernels, tuned for decode. A
     * batched decode step stripes every row of every type, one sequence included.
     */
    default boolean stripesOneRow() {
        return false;
    }

    /**
     * Whether ggml's product ({@link #multiply}, {@link Numerics#EXACT}) gives an activation row
     * the same floats whatever the other rows of its batch: true where it applies one
     * per-row dot product at any batch size (checked by a batched-decode test); false where
     * ggml switches kernels or quantizes activations in groups of rows once the batch grows.
     */
    default boolean exactRowsBatchInvariant() {
        return false;
    }

    /** Writes the {@code cols} values of row {@code r} as floats to {@code dst[dstOffset...]}. */
    void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset);

    /**
     * Where this type's {@link #dequantizeRow} gives every value as an 8-bit code times a float
     * scale per group of 16 or 32, minus a float minimum, rounded as written (every quantized
     * type: Q8_0, the 32-value block types, the K-quants, IQ4_XS): a source of those codes,
     * scales and minimums, which {@link Int8Panels} repacks. Null for F32, F16 and BF16.
     */
    default Int8Panels.RowSource int8Codes(MemorySegment w, int cols) {
        return null;
    }

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
