package dev.loupe.engine.kernels;

import java.util.Locale;

/**
 * How the compute-bound products of a model — the vision encoder and the projector, prompt
 * prefill — are computed. Single-token decode steps and batched decode steps are always
 * computed {@link #EXACT}ly, so a row's generated text never depends on which other rows
 * happened to share its decode steps.
 */
public enum Numerics {
    /**
     * llama.cpp's own arithmetic: ggml's CPU summation orders and rounding points (activations
     * rounded to the weight's precision or quantized to Q8, fp16 flash-attention accumulators).
     * Results are bit-identical to the reference build; compute-bound paths run at ggml's pace.
     */
    EXACT,
    /**
     * Weights widened to F32 a panel at a time and multiplied by F32 activations with a
     * register-blocked kernel ({@link PackedGemm}); attention of the vision encoder as F32
     * matrix products. Within the oracle's tolerance of llama.cpp, several times faster on
     * compute-bound paths, and still deterministic: each output is one fixed FMA chain,
     * whatever the batch or thread count.
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
