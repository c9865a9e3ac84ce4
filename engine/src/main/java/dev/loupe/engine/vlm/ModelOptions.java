package dev.loupe.engine.vlm;

import dev.loupe.engine.kernels.ComputePool;

/**
 * How a model is opened.
 *
 * @param pool           the compute pool (one per JVM in production)
 * @param maxLongestEdge idefics3 resolution cap: the longest edge (a multiple of the tile
 *                       size) images are scaled to before tiling; 0 keeps the model's own
 *                       setting. Lower means fewer tiles: faster, less detail.
 */
public record ModelOptions(ComputePool pool, int maxLongestEdge) {
    public ModelOptions {
        if (maxLongestEdge < 0) throw new IllegalArgumentException("maxLongestEdge must be >= 0, got " + maxLongestEdge);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(ComputePool.shared(), 0);
    }
}
