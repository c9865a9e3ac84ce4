package dev.loupe.engine.vlm;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
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
 */
public record ModelOptions(ComputePool pool, int maxLongestEdge, Numerics numerics) {
    public ModelOptions {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(numerics, "numerics");
        if (maxLongestEdge < 0) throw new IllegalArgumentException("maxLongestEdge must be >= 0, got " + maxLongestEdge);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(ComputePool.shared(), 0, Numerics.FAST);
    }
}
