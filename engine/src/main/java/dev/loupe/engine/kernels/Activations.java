package dev.loupe.engine.kernels;

/**
 * A batch of activation rows converted to the format a weight type multiplies with
 * (ggml's {@code vec_dot_type}): F32 as is, F16/BF16 rounded to that precision, Q8_0 as
 * 32-value blocks of integers with one scale each, and for the other quantized weight types
 * integer blocks in {@link Q8Rows} (Q8_0, Q8_1 or Q8_K). Prepared once per matrix multiply and
 * shared by every thread working on it.
 *
 * @param batch  number of rows
 * @param cols   values per row
 * @param values the (rounded) values, or the block integers held as floats for Q8_0 weights;
 *               null when {@code q8} holds the activations
 * @param scales one scale per block for Q8_0 weights, else null
 * @param q8     integer blocks for the quantized weight kernels other than Q8_0, else null
 */
public record Activations(int batch, int cols, float[] values, float[] scales, Q8Rows q8) {

    public Activations(int batch, int cols, float[] values, float[] scales) {
        this(batch, cols, values, scales, null);
    }

    Activations(Q8Rows q8) {
        this(q8.batch(), q8.cols(), null, null, q8);
    }

    /**
     * The values a weight row is multiplied with, as floats in natural order (integer times
     * scale for the quantized formats). {@link Numerics#FAST} products take these, so that
     * they multiply the very numbers ggml's kernels multiply and differ from them only in
     * summation order.
     */
    public float[] toFloats() {
        if (q8 != null) return q8.toFloats();
        if (scales == null) return values;
        float[] out = new float[batch * cols];
        for (int i = 0; i < out.length; i++) out[i] = values[(i & ~31) + Q8Rows.transposed(i & 31)] * scales[i >> 5];
        return out;
    }
}
