package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.GgmlExp;
import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.tensor.WeightMatrix;

/**
 * A pre-norm SwiGLU feed-forward block with its residual: {@code x += down(silu(gate(h)) * up(h))},
 * {@code h = RMSNorm(x) * norm}, as llama.cpp's llama and deepseek2 graphs compute it (dense
 * layers). Buffers are sized for one batch of rows and reused across layers.
 */
final class SwiGluFeedForward {
    private final int width;
    private final int hidden;
    private final float eps;
    private final float[] normed;
    private final float[] gate;
    private final float[] up;
    private final float[] out;

    SwiGluFeedForward(int width, int hidden, float eps, int rows) {
        this.width = width;
        this.hidden = hidden;
        this.eps = eps;
        this.normed = new float[rows * width];
        this.gate = new float[rows * hidden];
        this.up = new float[rows * hidden];
        this.out = new float[rows * width];
    }

    /**
     * Applies the block to rows [first, n) of {@code x} (n rows of {@code width}). As llama.cpp,
     * the last layer's block only sees the rows whose logits are wanted: quantized kernels pick
     * their summation path by batch size, so computing it for the whole batch would round
     * differently.
     */
    void apply(LayerProducts products, float[] x, int first, int n, float[] norm, WeightMatrix gateW, WeightMatrix upW,
               WeightMatrix downW, boolean decodeStep) {
        int rows = n - first;
        for (int t = first; t < n; t++) VectorMath.rmsNorm(x, t * width, norm, eps, normed, (t - first) * width, width);
        products.products(new WeightMatrix[] {gateW, upW}, normed, rows, new float[][] {gate, up}, decodeStep);
        for (int t = 0; t < rows; t++) GgmlExp.swiglu(gate, t * hidden, up, t * hidden, gate, t * hidden, hidden);
        products.product(downW, gate, rows, out, decodeStep);
        VectorMath.addInPlace(x, first * width, out, 0, rows * width);
    }
}
