package dev.loupe.engine.kernels;

/**
 * A product's activation rows as {@link Int8Panels} multiplies them: {@code rows} rows of
 * {@code values} (row-major, rounded by the weight type's {@link WeightKernel#roundRow}) and
 * their sums per panel group ({@link Int8Panels#groupSums}). Against panels of 4-bit codes,
 * whose types' activations are integers times a narrow scale ({@link WeightKernel#roundRowToIntegers}),
 * also those integers with each group's scale ({@code values[k] == integer_k * groupScales[k / group]}
 * exactly), which the 4-bit tiles multiply in 16-bit lanes: a lone row's as {@code integers},
 * one short each; a prompt's as {@code integerPairs}, columns k and k + 1 (k even) in one int,
 * k's in the low half — the two lanes a prompt tile broadcasts. Null where not taken.
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
            if (!kernel.roundRowToIntegers(x, xo, values, 0, integers, scales, group, cols)) {
                throw notIntegers(kernel);
            }
            return new PanelActivations(values, panels.groupSums(values, 1), integers, null, scales, 1);
        }
        kernel.roundRow(x, xo, values, 0, cols);
        return ofRows(values, panels.groupSums(values, 1), 1);
    }

    /**
     * A prompt's {@code m} rows of {@code x} ({@code panels.cols()} values each) rounded by
     * {@code kernel}, row by row over the pool, with their group sums; against 4-bit panels
     * also their integers in pairs and group scales, which the 16-bit prompt tiles take.
     */
    public static PanelActivations ofPromptRows(WeightKernel kernel, Int8Panels panels, float[] x, int m, ComputePool pool) {
        int cols = panels.cols(), group = panels.group(), groups = cols / group;
        float[] values = new float[m * cols], sums = new float[m * groups];
        boolean inIntegers = panels.fourBitCodes();
        int[] pairs = inIntegers ? new int[m * cols / 2] : null;
        float[] scales = inIntegers ? new float[m * groups] : null;
        short[] integers = inIntegers ? new short[m * cols] : null;
        pool.parallelFor(m, 4, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int at = i * cols;
                if (!inIntegers) {
                    kernel.roundRow(x, at, values, at, cols);
                } else if (kernel.roundRowToIntegers(x, at, values, at, integers, scales, group, cols)) {
                    for (int k = at; k < at + cols; k += 2) pairs[k / 2] = integers[k] & 0xFFFF | integers[k + 1] << 16;
                } else {
                    throw notIntegers(kernel);
                }
            }
            panels.groupSums(values, i0, i1, sums);
        });
        return new PanelActivations(values, sums, null, pairs, scales, m);
    }

    private static IllegalStateException notIntegers(WeightKernel kernel) {
        return new IllegalStateException(kernel.type() + ": panels of 4-bit codes, but its activations are not integers times a narrow scale");
    }
}
