package dev.loupe.engine.vlm;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.DenseReadout;
import dev.loupe.engine.task.PromptBook;
import dev.loupe.engine.tensor.RepackedWeights;
import dev.loupe.engine.tensor.WeightMatrix;
import java.util.List;
import java.util.Objects;

/**
 * How a model is opened.
 *
 * @param pool           the compute pool (one per JVM in production)
 * @param maxLongestEdge idefics3 resolution cap: the longest edge (a multiple of the tile
 *                       size) images are scaled to before tiling; 0 keeps the model's own
 *                       setting. Lower means fewer tiles: faster, less detail.
 * @param numerics       how the vision encoder and prefill compute (decode steps are always
 *                       llama.cpp's arithmetic)
 * @param minImageTokens dynamic-resolution models (Qwen3-VL): the fewest tokens an image
 *                       becomes (llama.cpp's --image-min-tokens); 0 keeps the model's own (8)
 * @param maxImageTokens dynamic-resolution models: the most tokens an image becomes
 *                       (--image-max-tokens); 0 keeps the model's own (4096). Lower means
 *                       smaller images: faster encoding and prefill, less detail.
 * @param denseReadout   Youtu-VL's semantic segmentation: masks from the answer's runs or from the
 *                       hidden states at the image's positions, and how
 * @param promptBook     what the model is asked for each task
 * @param repackWeights  with fast numerics, repack the text model's quantized weights at load
 *                       into the layout prefill reads fastest (an off-heap copy of about the
 *                       weights' size, see {@link dev.loupe.engine.tensor.WeightMatrix#repack}),
 *                       and the vision encoder's ({@link WeightMatrix#repackForPrompts})
 */
public record ModelOptions(ComputePool pool, int maxLongestEdge, Numerics numerics, int minImageTokens, int maxImageTokens,
                           DenseReadout denseReadout, PromptBook promptBook, boolean repackWeights) {
    public ModelOptions {
        Objects.requireNonNull(promptBook, "promptBook");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(denseReadout, "denseReadout");
        Objects.requireNonNull(numerics, "numerics");
        if (maxLongestEdge < 0) throw new IllegalArgumentException("maxLongestEdge must be >= 0, got " + maxLongestEdge);
        if (minImageTokens < 0 || maxImageTokens < 0) {
            throw new IllegalArgumentException("image token limits must be >= 0 (0: the model's own), got " + minImageTokens + " and " + maxImageTokens);
        }
    }

    public ModelOptions(ComputePool pool, int maxLongestEdge, Numerics numerics, int minImageTokens, int maxImageTokens,
                        DenseReadout denseReadout, PromptBook promptBook) {
        this(pool, maxLongestEdge, numerics, minImageTokens, maxImageTokens, denseReadout, promptBook, true);
    }

    /** Repacks a vision encoder's weights as {@link #repackWeights} says (a no-op with exact numerics). */
    public RepackedWeights repackVision(List<WeightMatrix> weights) {
        return repackWeights && numerics == Numerics.FAST ? RepackedWeights.forPrompts(weights, pool) : RepackedWeights.NONE;
    }

    /** These options with repacking on or off. */
    public ModelOptions withRepackWeights(boolean repack) {
        return new ModelOptions(pool, maxLongestEdge, numerics, minImageTokens, maxImageTokens, denseReadout, promptBook, repack);
    }

    public ModelOptions(ComputePool pool, int maxLongestEdge, Numerics numerics, int minImageTokens, int maxImageTokens) {
        this(pool, maxLongestEdge, numerics, minImageTokens, maxImageTokens, DenseReadout.DEFAULT, PromptBook.defaults());
    }

    public ModelOptions(ComputePool pool, int maxLongestEdge, Numerics numerics) {
        this(pool, maxLongestEdge, numerics, 0, 0);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(ComputePool.shared(), 0, Numerics.FAST);
    }
}
