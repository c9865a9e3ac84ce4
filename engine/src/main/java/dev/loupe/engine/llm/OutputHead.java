package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.tensor.WeightMatrix;

/** The final RMSNorm and the output projection (a separate matrix, or the tied token embedding). */
record OutputHead(float[] norm, float eps, WeightMatrix output) {

    /** The final RMSNorm of each of n rows of {@code x} into {@code out}: the hidden states the head reads. */
    void normed(float[] x, int n, int width, float[] out) {
        if (out.length < n * width) throw new IllegalArgumentException("hidden-state buffer of " + out.length + " for " + n + " rows of " + width);
        for (int t = 0; t < n; t++) VectorMath.rmsNorm(x, t * width, norm, eps, out, t * width, width);
    }

    /** Logits of the last of n rows of {@code x}, or of every row (row-major) when {@code allRows}. */
    float[] logits(LayerProducts products, float[] x, int n, int width, boolean allRows, boolean decodeStep) {
        int first = allRows ? 0 : n - 1, rows = n - first;
        float[] normed = new float[rows * width];
        for (int t = first; t < n; t++) VectorMath.rmsNorm(x, t * width, norm, eps, normed, (t - first) * width, width);
        float[] logits = new float[rows * output.rows()];
        products.product(output, normed, rows, logits, decodeStep);
        return logits;
    }
}
