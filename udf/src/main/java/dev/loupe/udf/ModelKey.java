package dev.loupe.udf;

import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.DenseReadout;
import dev.loupe.engine.task.PromptBook;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Identifies one loaded model in an executor JVM: the text GGUF, the mmproj GGUF, the loader
 * that turns them into an annotator (always the default outside tests) and the settings fixed at
 * load time. Two jobs that differ in {@code maxLongestEdge} or {@code numerics} need two loaded
 * models (image preprocessing and arithmetic are part of the model), hence two keys.
 *
 * @param maxLongestEdge idefics3: the longest edge images are scaled to before tiling, a multiple
 *                       of the model's tile size; 0 keeps the model's own
 * @param numerics       how the vision encoder and prefill compute ({@link Numerics#FAST} by default)
 * @param maxImageTokens dynamic-resolution models (Qwen3-VL, Youtu-VL): the most tokens an image becomes; 0 keeps
 *                       the model's own
 * @param denseReadout   Youtu-VL's dense segmentation readout, as {@link DenseReadout#parse} reads it (normalised; the default when null)
 * @param promptBook     the job's prompt book: the text of its file (lines replacing the built-in book's), or null for the built-in one
 * @param repackWeights  with fast numerics, repack quantized text weights at load (the default; decode then reads the
 *                       repacked copy, so it is part of the key: a model loaded either way computes differently)
 */
public record ModelKey(String model, String mmproj, String loader, int maxLongestEdge, Numerics numerics, int maxImageTokens,
                       String denseReadout, String promptBook, boolean repackWeights)
        implements Serializable {

    public ModelKey {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(mmproj, "mmproj");
        Objects.requireNonNull(numerics, "numerics");
        loader = loader == null || loader.isBlank() ? AnnotatorLoaders.DEFAULT : loader.trim();
        if (maxLongestEdge < 0) throw new IllegalArgumentException("maxLongestEdge must be >= 0 (0 = the model's own), got " + maxLongestEdge);
        if (maxImageTokens < 0) throw new IllegalArgumentException("maxImageTokens must be >= 0 (0 = the model's own), got " + maxImageTokens);
        denseReadout = DenseReadout.parse(denseReadout).toString(); // refuses a bad spec on the driver, and one spelling per readout
        if (promptBook != null) PromptBook.withOverrides(promptBook, "the job's prompt book"); // a bad book fails on the driver
    }

    public ModelKey(String model, String mmproj, String loader, int maxLongestEdge, Numerics numerics, int maxImageTokens,
                    String denseReadout, String promptBook) {
        this(model, mmproj, loader, maxLongestEdge, numerics, maxImageTokens, denseReadout, promptBook, true);
    }

    public ModelKey(String model, String mmproj, String loader, int maxLongestEdge, Numerics numerics, int maxImageTokens) {
        this(model, mmproj, loader, maxLongestEdge, numerics, maxImageTokens, null, null);
    }

    /** The readout the loaded model uses. */
    public DenseReadout readout() {
        return DenseReadout.parse(denseReadout);
    }

    /** The prompt book the loaded model uses. */
    public PromptBook prompts() {
        return promptBook == null ? PromptBook.defaults() : PromptBook.withOverrides(promptBook, "the job's prompt book");
    }

    public ModelKey(String model, String mmproj, String loader, int maxLongestEdge, Numerics numerics) {
        this(model, mmproj, loader, maxLongestEdge, numerics, 0);
    }

    /** A key with the model's own resolution and the default numerics. */
    public ModelKey(String model, String mmproj, String loader) {
        this(model, mmproj, loader, 0, Numerics.FAST);
    }

    /** The model as a local file; only for a local location (see {@link #isRemote}). */
    public Path modelPath() {
        return ModelLocations.localPath(model);
    }

    /** The mmproj as a local file; only for a local location. */
    public Path mmprojPath() {
        return ModelLocations.localPath(mmproj);
    }

    /** True when either file is on a remote file system and executors copy it before mapping it. */
    public boolean isRemote() {
        return ModelLocations.isRemote(model) || ModelLocations.isRemote(mmproj);
    }

    /** "SmolVLM-256M-Instruct-Q8_0.gguf": what the output's {@code model} column says. */
    public String modelName() {
        return ModelLocations.fileName(model);
    }

    @Override
    public String toString() {
        return model + " + " + mmproj + (maxLongestEdge > 0 ? " (max longest edge " + maxLongestEdge + ")" : "")
                + (maxImageTokens > 0 ? " (max image tokens " + maxImageTokens + ")" : "")
                + (numerics == Numerics.FAST ? "" : " (" + numerics + " numerics)")
                + (denseReadout.equals(DenseReadout.DEFAULT.toString()) ? "" : " (dense readout " + denseReadout + ")")
                + (promptBook == null ? "" : " (own prompt book)")
                + (repackWeights ? "" : " (weights not repacked)")
                + (loader.equals(AnnotatorLoaders.DEFAULT) ? "" : " (loader " + loader + ")");
    }
}
