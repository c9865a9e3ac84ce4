package dev.loupe.engine.kernels;

/**
 * A product's activation rows as {@link Int8Panels} multiplies them: {@code rows} rows of
 * {@code values} (row-major, rounded by the weight type's {@link WeightKernel#roundRow}), their
 * sums per panel group ({@link Int8Panels#groupSums}) and, for a lone row against panels that
 * {@linkplain Int8Panels#takesIntegers take them}, the same values as integers with each group's scale
 * ({@code values[k] == integers[k] * groupScales[k / group]} exactly, from
 * {@link WeightKernel#roundRowToIntegers}), which the one-row 4-bit tile multiplies in 16-bit
 * lanes. {@code integers} and {@code groupScales} are null otherwise.
 */
public record PanelActivations(float[] values, float[] groupSums, short[] integers, float[] groupScales, int rows) {

    /** Rows without integers: batches, and panels of 8-bit codes. */
    public static PanelActivations ofRows(float[] values, float[] groupSums, int rows) {
        return new PanelActivations(values, groupSums, null, null, rows);
    }

    /**
     * One row of {@code x} (at {@code xo}, {@code panels.cols()} values) rounded by
     * {@code kernel} for {@code panels}: with its integers where their one-row tile takes them
     * ({@link Int8Panels#takesIntegers}).
     */
    public static PanelActivations ofRow(WeightKernel kernel, Int8Panels panels, float[] x, int xo) {
        int cols = panels.cols(), group = panels.group();
        float[] values = new float[cols];
        if (panels.takesIntegers()) {
            short[] integers = new short[cols];
            float[] scales = new float[cols / group];
            if (!kernel.roundRowToIntegers(x, xo, values, integers, scales, group, cols)) {
                throw new IllegalStateException(kernel.type() + ": panels of 4-bit codes, but its activations are not integers times a narrow scale");
            }
            return new PanelActivations(values, panels.groupSums(values, 1), integers, scales, 1);
        }
        kernel.roundRow(x, xo, values, 0, cols);
        return ofRows(values, panels.groupSums(values, 1), 1);
    }
}
