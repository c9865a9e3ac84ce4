package dev.loupe.job;

import dev.loupe.udf.AnnotatorSpec;
import java.util.Map;

/**
 * The sampling settings beyond temperature and seed, as a job's flags give them; each null falls
 * back to its {@code spark.loupe.*} key, then to the engine's (off: they only matter with a
 * temperature above 0). Checked here so that a bad value names its flag, on the driver.
 *
 * @param topK          keep the K most probable tokens (0: all)
 * @param topP          keep the most probable tokens whose probabilities add up to P (1: all)
 * @param minP          drop tokens less probable than P times the most probable one (0: none)
 * @param repeatPenalty divide the logits of recent tokens by this (1: off)
 * @param repeatLastN   how many recent tokens the penalty looks back over
 */
public record Sampling(Integer topK, Float topP, Float minP, Float repeatPenalty, Integer repeatLastN) {
    public static final Sampling DEFAULT = new Sampling(null, null, null, null, null);

    public Sampling {
        if (topK != null && topK < 0) throw new IllegalArgumentException("--top-k must be >= 0, got " + topK);
        if (topP != null && (topP <= 0 || topP > 1)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        if (minP != null && (minP < 0 || minP >= 1)) throw new IllegalArgumentException("--min-p must be in [0, 1), got " + minP);
        if (repeatPenalty != null && repeatPenalty <= 0) throw new IllegalArgumentException("--repeat-penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN != null && repeatLastN < 0) throw new IllegalArgumentException("--repeat-last-n must be >= 0, got " + repeatLastN);
    }

    /** The given settings under {@link AnnotatorSpec}'s names. */
    void putInto(Map<String, String> spec) {
        if (topK != null) spec.put(AnnotatorSpec.TOP_K, topK.toString());
        if (topP != null) spec.put(AnnotatorSpec.TOP_P, topP.toString());
        if (minP != null) spec.put(AnnotatorSpec.MIN_P, minP.toString());
        if (repeatPenalty != null) spec.put(AnnotatorSpec.REPEAT_PENALTY, repeatPenalty.toString());
        if (repeatLastN != null) spec.put(AnnotatorSpec.REPEAT_LAST_N, repeatLastN.toString());
    }
}
