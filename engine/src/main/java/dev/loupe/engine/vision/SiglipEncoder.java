package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.tensor.Linear;
import dev.loupe.engine.tensor.TensorReader;
import dev.loupe.engine.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SigLIP vision transformer of idefics3 mmproj files (clip.cpp's {@code build_vit}):
 * a stride-P convolution as a matrix multiply, learned position embeddings, pre-norm blocks
 * with full bidirectional attention and a GELU MLP, then a final layer norm.
 */
public final class SiglipEncoder {
    private final VisionConfig c;
    private final Linear patchEmbedding;
    private final float[] positions;
    private final Block[] blocks;
    private final float[] postNormWeight;
    private final float[] postNormBias;
    private final ComputePool pool;
    private final Numerics numerics;

    private record Block(float[] ln1w, float[] ln1b, Linear q, Linear k, Linear v, Linear out,
                         float[] ln2w, float[] ln2b, Linear up, Linear down) {}

    public SiglipEncoder(GgufFile f, VisionConfig c, ComputePool pool, Numerics numerics) {
        this.c = c;
        this.pool = pool;
        this.numerics = numerics;
        TensorReader r = new TensorReader(f);
        int e = c.nEmbd(), p = c.patchSize();
        int nPatches = c.patchesPerSide() * c.patchesPerSide();
        // ggml's conv_2d runs im2col in F16 and multiplies with the kernel converted to F16,
        // whatever the kernel's stored type: both sides are rounded to fp16 (in both numerics).
        WeightMatrix kernel = r.matrix("v.patch_embd.weight", 3 * p * p, e);
        patchEmbedding = new Linear(WeightMatrix.f16(kernel.name(), e, 3 * p * p, kernel.toFloats()), r.vector("v.patch_embd.bias", e));
        positions = r.vector("v.position_embd.weight", e * nPatches);
        blocks = new Block[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            String b = "v.blk." + l + ".";
            Linear up = r.linear(b + "ffn_up", e, c.nFf());
            Linear down = r.linear(b + "ffn_down", c.nFf(), e);
            blocks[l] = new Block(
                    r.vector(b + "ln1.weight", e), r.vector(b + "ln1.bias", e),
                    r.linear(b + "attn_q", e, e), r.linear(b + "attn_k", e, e), r.linear(b + "attn_v", e, e),
                    r.linear(b + "attn_out", e, e),
                    r.vector(b + "ln2.weight", e), r.vector(b + "ln2.bias", e),
                    up, down);
        }
        postNormWeight = r.vector("v.post_ln.weight", e);
        postNormBias = r.vector("v.post_ln.bias", e);
    }

    public VisionConfig config() {
        return c;
    }

    /** Every weight matrix of the encoder, for {@link dev.loupe.engine.tensor.RepackedWeights#forPrompts}. */
    public List<WeightMatrix> weights() {
        List<WeightMatrix> ws = new ArrayList<>(List.of(patchEmbedding.weight()));
        for (Block b : blocks) Stream.of(b.q, b.k, b.v, b.out, b.up, b.down).forEach(l -> ws.add(l.weight()));
        return ws;
    }

    /**
     * Encodes one square image given as planar CHW floats ({@code 3 * S * S}, already
     * normalised). Returns {@code nPatches x nEmbd} features, patch-major.
     */
    public float[] encode(float[] chw) {
        final int e = c.nEmbd(), s = c.imageSize(), p = c.patchSize(), g = c.patchesPerSide();
        final int n = g * g;
        if (chw.length != 3 * s * s) throw new IllegalArgumentException("expected " + (3 * s * s) + " pixel values, got " + chw.length);

        float[] patches = im2col(chw, s, p, g);
        float[] x = new float[n * e];
        patchEmbedding.apply(patches, n, x, pool, numerics);
        TokenRows.add(pool, x, positions, n * e);

        float[] h = new float[n * e];
        float[] q = new float[n * e], k = new float[n * e], v = new float[n * e];
        float[] att = new float[n * e], proj = new float[n * e];
        float[] ff = new float[n * c.nFf()];
        for (Block b : blocks) {
            TokenRows.layerNorm(pool, x, b.ln1w, b.ln1b, c.eps(), h, n, e);
            b.q.apply(h, n, q, pool, numerics);
            b.k.apply(h, n, k, pool, numerics);
            b.v.apply(h, n, v, pool, numerics);
            VisionAttention.full(pool, numerics, q, k, v, att, n, c.nHead(), c.headDim());
            b.out.apply(att, n, proj, pool, numerics);
            TokenRows.add(pool, x, proj, n * e);

            TokenRows.layerNorm(pool, x, b.ln2w, b.ln2b, c.eps(), h, n, e);
            b.up.apply(h, n, ff, pool, numerics);
            TokenRows.gelu(pool, ff, ff.length);
            b.down.apply(ff, n, proj, pool, numerics);
            TokenRows.add(pool, x, proj, n * e);
        }
        TokenRows.layerNorm(pool, x, postNormWeight, postNormBias, c.eps(), x, n, e);
        return x;
    }

    /** ggml im2col order: per patch, channel-major, then kernel row, then kernel column. */
    private static float[] im2col(float[] chw, int s, int p, int g) {
        float[] out = new float[g * g * 3 * p * p];
        int o = 0;
        for (int py = 0; py < g; py++) {
            for (int px = 0; px < g; px++) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int ky = 0; ky < p; ky++) {
                        System.arraycopy(chw, ch * s * s + (py * p + ky) * s + px * p, out, o, p);
                        o += p;
                    }
                }
            }
        }
        return out;
    }
}
