package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.llm.Rope;
import dev.loupe.engine.tensor.Linear;
import dev.loupe.engine.tensor.TensorReader;
import dev.loupe.engine.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3-VL's vision tower and merger ({@code qwen3vl_merger} mmproj files; clip.cpp's
 * {@code clip_graph_qwen3vl}, spec §3.4): any image size that is a multiple of 32 per side.
 * Two stride-16 convolutions (the temporal halves of the original 3-D kernel, both applied to
 * the one image) embed the patches, which are then kept in 2x2 merge-block order; the learned
 * position table is resized to the patch grid; pre-norm blocks with a fused QKV projection,
 * 2-D rotary positions (row, column) and full attention; after some blocks a DeepStack merger
 * turns the current features into extra per-token vectors; finally a layer norm and the merger
 * (2x2 patches to one token, a GELU MLP into the text width). Output per merged token:
 * {@code [merger | deepstack 1 | deepstack 2 | ...]}, row-major over the token grid.
 */
public final class Qwen3VlEncoder {
    private final int e, ff, heads, patch, side, textWidth;
    private final float eps;
    private final Linear patchEmbedding0, patchEmbedding1;
    private final float[] patchBias;
    private final float[] positionTable;
    private final Block[] blocks;
    private final float[] postNormWeight, postNormBias;
    private final Merger merger;
    private final Rope rope;
    private final ComputePool pool;
    private final Numerics numerics;

    private record Block(float[] ln1w, float[] ln1b, Linear qkv, Linear out, float[] ln2w, float[] ln2b, Linear up, Linear down,
                         Merger deepstack) {}

    /** LayerNorm over 4 tokens' features (or none), then fc1, GELU, fc2: the final merger and each DeepStack one. */
    private record Merger(float[] normWeight, float[] normBias, Linear fc1, Linear fc2) {}

    public Qwen3VlEncoder(GgufFile f, ComputePool pool, Numerics numerics) {
        this.pool = pool;
        this.numerics = numerics;
        GgufMetadata m = f.metadata();
        String p = "clip.vision.";
        String projector = m.string("clip.projector_type");
        if (!"qwen3vl_merger".equals(projector)) {
            throw new GgufFormatException(f.path(), "projector type " + projector + " is not a Qwen3-VL mmproj (qwen3vl_merger)");
        }
        if (m.int32(p + "spatial_merge_size", 2) != 2) {
            throw new GgufFormatException(f.path(), "only a spatial merge of 2 is supported, got " + m.int32(p + "spatial_merge_size", 2));
        }
        e = m.int32(p + "embedding_length");
        ff = m.int32(p + "feed_forward_length");
        heads = m.int32(p + "attention.head_count");
        patch = m.int32(p + "patch_size");
        eps = m.float32(p + "attention.layer_norm_epsilon", 1e-6f);
        textWidth = m.int32(p + "projection_dim");
        int layers = m.int32(p + "block_count");
        TensorReader r = new TensorReader(f);
        int kernel = 3 * patch * patch;
        // ggml's conv_2d runs im2col in the kernel's type: with F16 kernels (the converter's F16
        // mmproj, and its quantized ones, which keep the kernels F16) pixels and weights are both
        // fp16 in the dot products.
        patchEmbedding0 = new Linear(f16Kernel(r, "v.patch_embd.weight", kernel, e), null);
        patchEmbedding1 = new Linear(f16Kernel(r, "v.patch_embd.weight.1", kernel, e), null);
        patchBias = r.vector("v.patch_embd.bias", e);
        long positions = f.tensor("v.position_embd.weight").elementCount() / e;
        side = (int) Math.round(Math.sqrt(positions));
        if ((long) side * side != positions) throw new GgufFormatException(f.path(), "v.position_embd.weight has " + positions + " positions, not a square grid");
        positionTable = r.vector("v.position_embd.weight", e * side * side);
        blocks = new Block[layers];
        for (int l = 0; l < layers; l++) {
            String b = "v.blk." + l + ".", ds = "v.deepstack." + l + ".";
            Merger deepstack = r.has(ds + "fc1.weight")
                    ? new Merger(r.vector(ds + "norm.weight", 4 * e), r.vector(ds + "norm.bias", 4 * e), r.linear(ds + "fc1", 4 * e, 4 * e), r.linear(ds + "fc2", 4 * e, textWidth))
                    : null;
            blocks[l] = new Block(r.vector(b + "ln1.weight", e), r.vector(b + "ln1.bias", e), r.linear(b + "attn_qkv", e, 3 * e),
                    r.linear(b + "attn_out", e, e), r.vector(b + "ln2.weight", e), r.vector(b + "ln2.bias", e),
                    r.linear(b + "ffn_up", e, ff), r.linear(b + "ffn_down", ff, e), deepstack);
        }
        postNormWeight = r.vector("v.post_ln.weight", e);
        postNormBias = r.vector("v.post_ln.bias", e);
        merger = new Merger(null, null, r.linear("mm.0", 4 * e, 4 * e), r.linear("mm.2", 4 * e, textWidth));
        rope = Rope.vision(e / heads, 10000f);
    }

    /** Every weight matrix of the encoder, for {@link dev.loupe.engine.tensor.RepackedWeights#forPrompts}. */
    public List<WeightMatrix> weights() {
        List<Linear> ls = new ArrayList<>(List.of(patchEmbedding0, patchEmbedding1, merger.fc1(), merger.fc2()));
        for (Block b : blocks) {
            ls.addAll(List.of(b.qkv(), b.out(), b.up(), b.down()));
            if (b.deepstack() != null) ls.addAll(List.of(b.deepstack().fc1(), b.deepstack().fc2()));
        }
        return ls.stream().map(Linear::weight).toList();
    }

    /** A conv kernel [P, P, 3, E] as an E x 3PP F16 matrix (values rounded to fp16 if stored wider). */
    private static WeightMatrix f16Kernel(TensorReader r, String name, int kernel, int e) {
        WeightMatrix w = r.matrix(name, kernel, e);
        return WeightMatrix.f16(w.name(), e, kernel, w.toFloats());
    }

    /** Floats per merged token: the merger's output and one DeepStack vector per DeepStack layer. */
    public int outputWidth() {
        int n = 1;
        for (Block b : blocks) if (b.deepstack != null) n++;
        return n * textWidth;
    }

    /** Encodes one preprocessed image: {@code (W/32) * (H/32)} tokens of {@link #outputWidth()} floats, row-major. */
    public float[] encode(DynamicImage image) {
        int gx = image.width() / patch, gy = image.height() / patch;
        if (image.width() % (2 * patch) != 0 || image.height() % (2 * patch) != 0) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height() + " is not a multiple of " + (2 * patch) + " per side");
        }
        int n = gx * gy;
        int[] order = mergeBlockOrder(gx, gy);
        float[] patches = im2col(image, order, gx);
        float[] x = new float[n * e], other = new float[n * e];
        patchEmbedding0.apply(patches, n, x, pool, numerics);
        patchEmbedding1.apply(patches, n, other, pool, numerics);
        TokenRows.add(pool, x, other, n * e);
        for (int t = 0; t < n; t++) VectorMath.addInPlace(x, t * e, patchBias, 0, e);
        float[] pos = PositionGrid.resize(positionTable, e, side, gx, gy);
        for (int t = 0; t < n; t++) VectorMath.addInPlace(x, t * e, pos, order[t] * e, e);

        List<float[]> deepstack = new ArrayList<>();
        float[] h = new float[n * e], qkv = new float[n * 3 * e], q = new float[n * e], k = new float[n * e], v = new float[n * e];
        float[] att = new float[n * e], up = new float[n * ff];
        float[][] angles = rotaryAngles(order, gx);
        for (Block b : blocks) {
            TokenRows.layerNorm(pool, x, b.ln1w, b.ln1b, eps, h, n, e);
            b.qkv.apply(h, n, qkv, pool, numerics);
            int hd = e / heads;
            for (int t = 0; t < n; t++) {
                System.arraycopy(qkv, t * 3 * e, q, t * e, e);
                System.arraycopy(qkv, t * 3 * e + e, k, t * e, e);
                System.arraycopy(qkv, t * 3 * e + 2 * e, v, t * e, e);
                for (int hh = 0; hh < heads; hh++) {
                    rope.rotate(q, t * e + hh * hd, angles[t]);
                    rope.rotate(k, t * e + hh * hd, angles[t]);
                }
            }
            VisionAttention.full(pool, numerics, q, k, v, att, n, heads, e / heads);
            b.out.apply(att, n, h, pool, numerics);
            TokenRows.add(pool, x, h, n * e);
            TokenRows.layerNorm(pool, x, b.ln2w, b.ln2b, eps, h, n, e);
            b.up.apply(h, n, up, pool, numerics);
            TokenRows.gelu(pool, up, up.length);
            b.down.apply(up, n, h, pool, numerics);
            TokenRows.add(pool, x, h, n * e);
            if (b.deepstack != null) deepstack.add(merge(b.deepstack, x, n));
        }
        TokenRows.layerNorm(pool, x, postNormWeight, postNormBias, eps, x, n, e);
        float[] merged = merge(merger, x, n);
        int tokens = n / 4, width = outputWidth();
        float[] out = new float[tokens * width];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(merged, t * textWidth, out, t * width, textWidth);
            for (int d = 0; d < deepstack.size(); d++) System.arraycopy(deepstack.get(d), t * textWidth, out, t * width + (d + 1) * textWidth, textWidth);
        }
        return out;
    }

    /** Four consecutive (merge-block) tokens as one row of 4E, [norm], fc1, GELU, fc2. */
    private float[] merge(Merger mg, float[] x, int n) {
        int rows = n / 4, w = 4 * e;
        float[] g = x;
        if (mg.normWeight != null) {
            g = new float[n * e];
            TokenRows.layerNorm(pool, x, mg.normWeight, mg.normBias, eps, g, rows, w);
        }
        float[] hidden = new float[rows * w], out = new float[rows * textWidth];
        mg.fc1.apply(g, rows, hidden, pool, numerics);
        TokenRows.gelu(pool, hidden, hidden.length);
        mg.fc2.apply(hidden, rows, out, pool, numerics);
        return out;
    }

    /**
     * Token t's patch (raster index y * gx + x) in merge-block order: blocks of 2x2 patches
     * row-major over the block grid, and within a block (0,0), (1,0), (0,1), (1,1) as (dx, dy).
     */
    static int[] mergeBlockOrder(int gx, int gy) {
        int[] order = new int[gx * gy];
        int t = 0;
        for (int by = 0; by < gy / 2; by++) {
            for (int bx = 0; bx < gx / 2; bx++) {
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) order[t++] = (2 * by + dy) * gx + 2 * bx + dx;
                }
            }
        }
        return order;
    }

    /** Patches in token order, each in ggml's im2col order: channel, kernel row, kernel column. */
    private float[] im2col(DynamicImage image, int[] order, int gx) {
        int w = image.width(), plane = w * image.height(), kernel = 3 * patch * patch;
        float[] out = new float[order.length * kernel];
        float[] chw = image.chw();
        for (int t = 0; t < order.length; t++) {
            int px = order[t] % gx, py = order[t] / gx, o = t * kernel;
            for (int ch = 0; ch < 3; ch++) {
                for (int ky = 0; ky < patch; ky++, o += patch) {
                    System.arraycopy(chw, ch * plane + (py * patch + ky) * w + px * patch, out, o, patch);
                }
            }
        }
        return out;
    }

    /** Each token's rotary angles from its patch row and column. */
    private float[][] rotaryAngles(int[] order, int gx) {
        float[][] angles = new float[order.length][];
        for (int t = 0; t < order.length; t++) {
            angles[t] = new float[e / heads];
            rope.visionAngles(order[t] / gx, order[t] % gx, angles[t]);
        }
        return angles;
    }
}
