package dev.loupe.engine.vision;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Gelu;
import dev.loupe.engine.kernels.VectorMath;

/**
 * The element-wise steps between an encoder's products — layer norms, residual adds, GELU —
 * over all of an image's tokens, split over the pool. Each row's floats are those of the
 * one-thread loop (every operation is per element, or per row for a norm); run on one thread,
 * these steps took ~5% of a SmolVLM-256M encoder pass while the other core waited.
 */
final class TokenRows {
    /** Values per chunk of an element-wise pass: big enough that a hand-off costs little. */
    private static final int GRAIN = 16 * 1024;

    private TokenRows() {}

    /** {@code y[t] = layerNorm(x[t]) * w + b} for the n rows of {@code width} values. */
    static void layerNorm(ComputePool pool, float[] x, float[] w, float[] b, float eps, float[] y, int n, int width) {
        pool.parallelFor(n, Math.max(1, GRAIN / width), (t0, t1) -> {
            for (int t = t0; t < t1; t++) VectorMath.layerNorm(x, t * width, w, b, eps, y, t * width, width);
        });
    }

    /** {@code x[i] += y[i]} for i < count. */
    static void add(ComputePool pool, float[] x, float[] y, int count) {
        pool.parallelFor(count, GRAIN, (i0, i1) -> VectorMath.addInPlace(x, i0, y, i0, i1 - i0));
    }

    /** {@code x[i] = gelu(x[i])} for i < count (ggml's GELU, {@link Gelu}). */
    static void gelu(ComputePool pool, float[] x, int count) {
        pool.parallelFor(count, GRAIN, (i0, i1) -> Gelu.applyInPlace(x, i0, i1 - i0));
    }
}
