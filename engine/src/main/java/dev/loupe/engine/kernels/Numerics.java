package dev.loupe.engine.kernels;

import java.util.Locale;

/**
 * How a model's products are computed: the vision encoder and the projector, prompt prefill,
 * decode steps. With {@link #FAST} a batched decode step gives a sequence the same floats
 * whichever sequences share it, so a row's generated text does not depend on which rows
 * happened to share its steps; with {@link #EXACT} that holds where ggml's own products do
 * ({@link WeightKernel#exactRowsBatchInvariant()}).
 */
public enum Numerics {
    /**
     * llama.cpp's own arithmetic: ggml's CPU summation orders and rounding points (activations
     * rounded to the weight's precision or quantized to Q8, fp16 flash-attention accumulators).
     * Results are bit-identical to the reference build; compute-bound paths run at ggml's pace.
     */
    EXACT,
    /**
     * Activations rounded as ggml rounds them for the weight type (for types of 4-bit codes,
     * ggml's integers times its block scales rounded to 8 bits: {@link ActivationRounding#narrowScaled}),
     * weights widened to F32:
     * from {@link #PACKED_MIN_ROWS} rows on a panel at a time, multiplied with a
     * register-blocked kernel ({@link PackedGemm}); below that (decode steps, batched or
     * not) a row at a time, multiplied with every activation row by {@link StripedDot};
     * attention of the vision encoder as F32 matrix products. Within the oracle's tolerance
     * of llama.cpp, several times faster on compute-bound paths, and still deterministic:
     * each output is one fixed FMA chain, whatever the batch or thread count. Batched decode
     * steps stripe every type, a step of one sequence included; outside them a lone row of a
     * type whose ggml kernel is faster ({@link WeightKernel#stripesOneRow()} false: the
     * K-quants and IQ4_NL) takes that kernel, so such a row can round differently there.
     */
    FAST;

    /** Rows from which a FAST product packs its weights; below it packing costs more than it saves. */
    public static final int PACKED_MIN_ROWS = 16;

    /** Whether a product of {@code batch} activation rows goes through {@link PackedGemm}. */
    public boolean packs(int batch) {
        return this == FAST && batch >= PACKED_MIN_ROWS;
    }

    /** Parses {@code exact} or {@code fast} (any case); the error names the accepted values. */
    public static Numerics parse(String s) {
        for (Numerics n : values()) {
            if (n.name().equalsIgnoreCase(s.strip())) return n;
        }
        throw new IllegalArgumentException("numerics must be exact or fast, got '" + s + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
