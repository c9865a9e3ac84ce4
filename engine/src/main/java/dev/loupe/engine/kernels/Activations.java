package dev.loupe.engine.kernels;

/**
 * A batch of activation rows converted to the format a weight type multiplies with
 * (ggml's {@code vec_dot_type}): F32 as is, F16/BF16 rounded to that precision, Q8_0 as
 * 32-value blocks of integers with one scale each. Prepared once per matrix multiply and
 * shared by every thread working on it.
 *
 * @param batch  number of rows
 * @param cols   values per row
 * @param values the (rounded) values, or the block integers held as floats for quantized formats
 * @param scales one scale per block for quantized formats, else null
 */
public record Activations(int batch, int cols, float[] values, float[] scales) {}
