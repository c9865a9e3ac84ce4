package dev.loupe.engine.kernels;

/**
 * A product's activation rows as {@link Int8Panels} multiplies them: {@code rows} rows of
 * {@code values} (row-major, rounded by the weight type's {@link WeightKernel#roundRow}) and
 * their sums per panel group ({@link Int8Panels#groupSums}). Against panels of 4-bit codes,
 * whose types' activations are integers times a narrow scale ({@link WeightKernel#roundRowToIntegers}),
 * also those integers with each group's scale ({@code values[k] == integer_k * groupScales[k / group]}
 * exactly), which the 4-bit tiles multiply in 16-bit lanes: a lone row's as {@code integers},
 * one short each (AVX-512's one-row tile, {@link Int8Panels#takesIntegers}); a prompt's as
 * {@code integerPairs}, columns k and k + 1 (k even) of a row in one int, k's in the low half —
 * the two lanes a prompt tile broadcasts ({@link #ofPromptRows}). Null where not taken.
 */
public record PanelActivations(float[] values, float[] groupSums, short[] integers, int[] integerPairs, float[] groupScales, int rows) {

    /** Rows without integers: decode batches, and panels of 8-bit codes. */
    public static PanelActivations ofRows(float[] values, float[] groupSums, int rows) {
        return new PanelActivations(values, groupSums, null, null, null, rows);
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
            if (!kernel.roundRowToIntegers(x, xo, values, integers, scales, group, cols)) throw notIntegers(kernel);
            return new PanelActivations(values, panels.groupSums(values, 1), integers, null, scales, 1);
        }
        kernel.roundRow(x, xo, values, 0, cols);
        return ofRows(values, panels.groupSums(values, 1), 1);
    }

    /**
     * A prompt's {@code m} rows of {@code x} ({@code panels.cols()} values each) rounded by
     * {@code kernel}, rows in parallel over the pool, with their group sums; against panels of
     * 4-bit codes also their integers in pairs and their group scales, which
     * {@link Int8Panels#multiplyPrompt} multiplies in 16-bit lanes.
     */
    public static PanelActivations ofPromptRows(WeightKernel kernel, Int8Panels panels, float[] x, int m, ComputePool pool) {
        int cols = panels.cols(), group = panels.group(), groups = cols / group;
        float[] values = new float[m * cols], sums = new float[m * groups];
        boolean inIntegers = panels.fourBitCodes();
        int[] pairs = inIntegers ? new int[m * cols / 2] : null;
        float[] scales = inIntegers ? new float[m * groups] : null;
        pool.parallelFor(m, 4, (i0, i1) -> {
            if (inIntegers) {
                // A row at a time through scratch (its integers are only a step to the pairs).
                float[] rowValues = new float[cols], rowScales = new float[groups];
                short[] integers = new short[cols];
                for (int i = i0; i < i1; i++) {
                    if (!kernel.roundRowToIntegers(x, i * cols, rowValues, integers, rowScales, group, cols)) throw notIntegers(kernel);
                    System.arraycopy(rowValues, 0, values, i * cols, cols);
                    System.arraycopy(rowScales, 0, scales, i * groups, groups);
                    for (int k = 0, at = i * cols / 2; k < cols; k += 2, at++) pairs[at] = integers[k] & 0xFFFF | integers[k + 1] << 16;
                }
            } else {
                for (int i = i0; i < i1; i++) kernel.roundRow(x, i * cols, values, i * cols, cols);
            }
            panels.groupSums(values, i0, i1, sums);
        });
        return new PanelActivations(values, sums, null, pairs, scales, m);
    }

    private static IllegalStateException notIntegers(WeightKernel kernel) {
        return new IllegalStateException(kernel.type() + ": panels of 4-bit codes, but its activations are not integers times a narrow scale");
    }
}
