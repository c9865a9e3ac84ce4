package dev.loupe.job;

import dev.loupe.udf.AnnotatorSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * The model and how it runs, as a job's command line gives them: what the annotate job and the
 * eval job share. Null fields fall back to {@code spark.loupe.*}, then to the engine's defaults.
 *
 * @param model          text model GGUF (path or URI)
 * @param mmproj         vision projector GGUF (path or URI)
 * @param maxTokens      generation limit
 * @param temperature    sampling temperature (0 = greedy)
 * @param seed           the job's sampling seed, mixed with each row's id
 * @param maxLongestEdge idefics3 resolution cap in pixels (a multiple of the tile size)
 * @param maxImageTokens dynamic-resolution (Qwen3-VL, Youtu-VL) image-token cap
 * @param numerics       exact or fast
 * @param maxBatch       auto or 1..64: rows of an executor decoded together
 * @param denseReadout   Youtu-VL's dense segmentation readout spec
 * @param promptBook     a prompt book file whose lines replace the built-in book's (read on the driver, sent as text)
 * @param labelScoring   classify: sum or mean of a candidate label's token log-probabilities
 * @param repackWeights  false to keep quantized weights as mapped (no repacked copy at load); null: the conf's or true
 * @param constrain      on, off or auto: structured answers kept in their format's grammar
 * @param sampling       top-k, top-p, min-p and the repeat penalty (each null: the conf's, else off)
 */
public record ModelSettings(String model, String mmproj, Integer maxTokens, Float temperature, Long seed, Integer maxLongestEdge,
                            Integer maxImageTokens, String numerics, String maxBatch, String denseReadout, java.nio.file.Path promptBook,
                            String labelScoring, Boolean repackWeights, String constrain, Sampling sampling) {

    public ModelSettings(String model, String mmproj, Integer maxTokens, Float temperature, Long seed, Integer maxLongestEdge,
                         Integer maxImageTokens, String numerics, String maxBatch) {
        this(model, mmproj, maxTokens, temperature, seed, maxLongestEdge, maxImageTokens, numerics, maxBatch, null, null, null, null, null, null);
    }

    public ModelSettings {
        if (model == null || model.isBlank()) throw new IllegalArgumentException("--model is required");
        if (mmproj == null || mmproj.isBlank()) throw new IllegalArgumentException("--mmproj is required");
        if (maxTokens != null && maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        if (maxLongestEdge != null && maxLongestEdge < 0) throw new IllegalArgumentException("--max-longest-edge must be >= 0, got " + maxLongestEdge);
        if (maxImageTokens != null && maxImageTokens < 0) throw new IllegalArgumentException("--max-image-tokens must be >= 0, got " + maxImageTokens);
        if (sampling == null) sampling = Sampling.DEFAULT;
    }

    /** These settings as {@link AnnotatorSpec} names them; {@code spark.loupe.*} fills the rest. */
    Map<String, String> specOptions(String loader) {
        Map<String, String> m = new HashMap<>();
        m.put(AnnotatorSpec.MODEL, model);
        m.put(AnnotatorSpec.MMPROJ, mmproj);
        if (loader != null) m.put(AnnotatorSpec.LOADER, loader);
        if (maxTokens != null) m.put(AnnotatorSpec.MAX_TOKENS, maxTokens.toString());
        if (temperature != null) m.put(AnnotatorSpec.TEMPERATURE, temperature.toString());
        if (seed != null) m.put(AnnotatorSpec.SEED, seed.toString());
        if (maxLongestEdge != null) m.put(AnnotatorSpec.MAX_LONGEST_EDGE, maxLongestEdge.toString());
        if (maxImageTokens != null) m.put(AnnotatorSpec.MAX_IMAGE_TOKENS, maxImageTokens.toString());
        if (numerics != null) m.put(AnnotatorSpec.NUMERICS, numerics);
        if (maxBatch != null) m.put(AnnotatorSpec.MAX_BATCH, maxBatch);
        if (denseReadout != null) m.put(AnnotatorSpec.DENSE_READOUT, denseReadout);
        if (promptBook != null) m.put(AnnotatorSpec.PROMPT_BOOK, promptBookText());
        if (labelScoring != null) m.put(AnnotatorSpec.LABEL_SCORING, labelScoring);
        if (repackWeights != null) m.put(AnnotatorSpec.REPACK_WEIGHTS, repackWeights.toString());
        if (constrain != null) m.put(AnnotatorSpec.CONSTRAIN, constrain);
        sampling.putInto(m);
        return m;
    }

    /** The prompt book file's text, read here on the driver: executors get the text, not a path they may not see. */
    private String promptBookText() {
        try {
            return java.nio.file.Files.readString(promptBook);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--prompt-book " + promptBook + ": no such file");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("--prompt-book " + promptBook + ": " + e.getMessage(), e);
        }
    }
}
