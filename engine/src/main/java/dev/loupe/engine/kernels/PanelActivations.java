package dev.loupe.engine.kernels;

/**
 * Activation rows as {@link Int8Panels} multiplies them: each row quantized as ggml quantizes it
 * for the weight type's dot products ({@link WeightKernel#quantizeRow}: Q8_0 blocks of 32 or
 * Q8_K blocks of 256), kept as its integers, and per group of the panels ({@code group} values:
 * 16 or 32, within one block) the block's scale and the group's sum {@code scale * Σ integers}.
 *
 * <p>The integers are held as floats: |value| &lt;= 127 and a group's products with 8-bit
 * codes sum to less than 2^24, so a float FMA chain over a group is exact in any order, and the
 * 16-bit integer lanes of the one-row 4-bit tile compute the very same sums. Every tile then
 * turns a group's sum into the output with the same float operations, which is what keeps a
 * row's outputs independent of its batch and of the tile that ran it.
 *
 * @param rows     activation rows
 * @param cols     values per row
 * @param group    values per group of the panels
 * @param integers the rows' integers, row-major, {@code rows * cols}
 * @param scales   per row and group ({@code [i * cols / group + g]}), the integers' scale
 * @param sums     per row and group, {@code scale * Σ integers} (one rounding of an exact sum)
 */
public record PanelActivations(int rows, int cols, int group, float[] integers, float[] scales, float[] sums) {

    /** Zeroed rows, to be {@linkplain #quantize quantized} into. */
    public static PanelActivations allocate(int rows, int cols, int group) {
        int groups = rows * (cols / group);
        return new PanelActivations(rows, cols, group, new float[rows * cols], new float[groups], new float[groups]);
    }

    /** Groups per row. */
    public int groups() {
        return cols / group;
    }

    /**
     * Quantizes rows {@code [i0, i1)} of {@code input} ({@code cols} floats each) with
     * {@code kernel}'s activation format into these rows; allocates nothing (threads may share
     * the object, each its own rows).
     */
    public void quantize(WeightKernel kernel, float[] input, int i0, int i1) {
        int block = kernel.activationBlock(), groups = groups();
        if (block % group != 0 || cols % block != 0) {
            throw new IllegalArgumentException(kernel.type() + ": activation blocks of " + block + " for groups of " + group + " in rows of " + cols);
        }
        for (int i = i0; i < i1; i++) {
            // The block scales go to the group scales' first places, then spread over their groups
            // from the last one back (a block holds block / group groups, so no scale is
            // overwritten before it is read).
            int o = i * groups;
            kernel.quantizeRow(input, i * cols, integers, i * cols, scales, o, cols);
            int perBlock = block / group;
            for (int g = groups - 1; g >= 0; g--) scales[o + g] = scales[o + g / perBlock];
            for (int g = 0, k = i * cols; g < groups; g++) {
                float sum = 0f;
                for (int end = k + group; k < end; k++) sum += integers[k];
                sums[o + g] = scales[o + g] * sum;
            }
        }
    }
}
