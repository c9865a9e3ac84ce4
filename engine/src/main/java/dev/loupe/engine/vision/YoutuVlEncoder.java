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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Youtu-VL's vision tower and merger ({@code youtuvl} mmproj files; clip.cpp's
 * {@code clip_graph_youtuvl}, spec §2.3-2.4 and §3.4): a SigLIP2-style ViT over an image whose
 * sides are multiples of 32.
 * <ol>
 * <li>Patches in 2x2 merge-block order, each a (row, column, channel) vector, embedded by one
 *     linear layer (fp16 weights: the pixels are rounded to fp16 in the product, as ggml's
 *     F16 matrix product does).</li>
 * <li>The patches are regrouped by window ({@link WindowLayout}): windows of 8x8 merged tokens,
 *     row-major, tokens row-major inside each. The whole tower runs in that order — it fixes the
 *     order in which attention visits cells — and the output is put back at the end.</li>
 * <li>Pre-norm blocks: q/k/v with biases, 2-D rotary positions (row, column), attention over
 *     the patch's own window, except in the full-attention layers that
 *     {@code clip.vision.wa_layer_indexes} names; a GELU feed-forward.</li>
 * <li>Post layer norm, the merger's RMSNorm, 2x2 patches concatenated into one token, a GELU
 *     MLP into the text width.</li>
 * </ol>
 * Output: one row of {@link #outputWidth()} floats per merged token, row-major over the
 * {@code (W/32) x (H/32)} token grid.
 */
public final class YoutuVlEncoder {
    /** clip.cpp's RMSNorm epsilon for the merger's input norm (a constant there, not a key). */
    private static final float MERGER_NORM_EPS = 1e-6f;

    private final int e, ff, heads, patch, textWidth, windowPixels;
    private final float eps;
    private final Linear patchEmbedding;
    private final Block[] blocks;
    private final Set<Integer> fullAttentionLayers;
    private final float[] postNormWeight, postNormBias, mergerNorm;
    private final Linear mergerUp, mergerDown;
    private final Rope rope;
    private final ComputePool pool;
    private final Numerics numerics;

    private record Block(float[] ln1w, float[] ln1b, Linear q, Linear k, Linear v, Linear out, float[] ln2w, float[] ln2b,
                         Linear up, Linear down) {}

    public YoutuVlEncoder(GgufFile f, ComputePool pool, Numerics numerics) {
        this.pool = pool;
        this.numerics = numerics;
        GgufMetadata m = f.metadata();
        String p = "clip.vision.";
        String projector = m.string("clip.projector_type");
        if (!"youtuvl".equals(projector)) {
            throw new GgufFormatException(f.path(), "projector type " + projector + " is not a Youtu-VL mmproj (youtuvl)");
        }
        if (m.int32(p + "spatial_merge_size", 2) != 2) {
            throw new GgufFormatException(f.path(), "only a spatial merge of 2 is supported, got " + m.int32(p + "spatial_merge_size", 2));
        }
        for (String key : new String[] {p + "window_size", p + "wa_layer_indexes"}) {
            if (!m.has(key)) throw new GgufFormatException(f.path(), "missing " + key + " (required by youtuvl, as llama.cpp's loader requires it)");
        }
        e = m.int32(p + "embedding_length");
        ff = m.int32(p + "feed_forward_length");
        heads = m.int32(p + "attention.head_count");
        patch = m.int32(p + "patch_size");
        eps = m.float32(p + "attention.layer_norm_epsilon", 1e-6f);
        textWidth = m.int32(p + "projection_dim");
        windowPixels = m.int32(p + "window_size");
        int layers = m.int32(p + "block_count");
        fullAttentionLayers = new HashSet<>();
        for (int l : m.ints(p + "wa_layer_indexes")) {
            if (l < 0 || l >= layers) throw new GgufFormatException(f.path(), p + "wa_layer_indexes names layer " + l + " of " + layers);
            fullAttentionLayers.add(l);
        }
        if (e % heads != 0 || (e / heads) % 4 != 0) {
            throw new GgufFormatException(f.path(), "a head of " + e + " / " + heads + " values cannot take 2-D rotary positions");
        }
        TensorReader r = new TensorReader(f);
        patchEmbedding = r.linear("v.patch_embd", 3 * patch * patch, e);
        blocks = new Block[layers];
        for (int l = 0; l < layers; l++) {
            String b = "v.blk." + l + ".";
            blocks[l] = new Block(r.vector(b + "ln1.weight", e), r.vector(b + "ln1.bias", e), r.linear(b + "attn_q", e, e),
                    r.linear(b + "attn_k", e, e), r.linear(b + "attn_v", e, e), r.linear(b + "attn_out", e, e),
                    r.vector(b + "ln2.weight", e), r.vector(b + "ln2.bias", e), r.linear(b + "ffn_up", e, ff), r.linear(b + "ffn_down", ff, e));
        }
        postNormWeight = r.vector("v.post_ln.weight", e);
        postNormBias = r.vector("v.post_ln.bias", e);
        mergerNorm = r.vector("mm.input_norm.weight", e);
        mergerUp = r.linear("mm.0", 4 * e, 4 * e);
        mergerDown = r.linear("mm.2", 4 * e, textWidth);
        rope = Rope.vision(e / heads, 10000f);
    }

    /** Every weight matrix of the encoder, for {@link dev.loupe.engine.tensor.RepackedWeights#forPrompts}. */
    public List<WeightMatrix> weights() {
        List<Linear> ls = new ArrayList<>(List.of(patchEmbedding, mergerUp, mergerDown));
        for (Block b : blocks) ls.addAll(List.of(b.q(), b.k(), b.v(), b.out(), b.up(), b.down()));
        return ls.stream().map(Linear::weight).toList();
    }

    /** Floats per merged token: the text model's embedding width. */
    public int outputWidth() {
        return textWidth;
    }

    /** Encodes one preprocessed image: {@code (W/32) * (H/32)} tokens of {@link #outputWidth()} floats, row-major. */
    public float[] encode(DynamicImage image) {
        if (image.width() % (2 * patch) != 0 || image.height() % (2 * patch) != 0) {
            throw new IllegalArgumentException("image " + image.width() + "x" + image.height() + " is not a multiple of " + (2 * patch) + " per side");
        }
        int gx = image.width() / patch, gy = image.height() / patch, n = gx * gy;
        WindowLayout windows = new WindowLayout(gx / 2, gy / 2, windowPixels / patch / 2);
        float[] patches = windowOrderedPatches(image, windows, gx);
        float[] x = new float[n * e];
        patchEmbedding.apply(patches, n, x, pool, numerics);

        float[][] angles = rotaryAngles(windows, gx);
        int hd = e / heads;
        float[] h = new float[n * e], q = new float[n * e], k = new float[n * e], v = new float[n * e], att = new float[n * e];
        float[] up = new float[n * ff];
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            TokenRows.layerNorm(pool, x, b.ln1w, b.ln1b, eps, h, n, e);
            b.q.apply(h, n, q, pool, numerics);
            b.k.apply(h, n, k, pool, numerics);
            b.v.apply(h, n, v, pool, numerics);
            for (int t = 0; t < n; t++) {
                for (int hh = 0; hh < heads; hh++) {
                    rope.rotate(q, t * e + hh * hd, angles[t]);
                    rope.rotate(k, t * e + hh * hd, angles[t]);
                }
            }
            if (fullAttentionLayers.contains(l)) {
                VisionAttention.full(pool, numerics, q, k, v, att, n, heads, hd);
            } else {
                VisionAttention.windowed(pool, numerics, q, k, v, att, n, heads, hd, windows.patchWindowStarts(), windows.patchWindowEnds());
            }
            b.out.apply(att, n, h, pool, numerics);
            TokenRows.add(pool, x, h, n * e);
            TokenRows.layerNorm(pool, x, b.ln2w, b.ln2b, eps, h, n, e);
            b.up.apply(h, n, up, pool, numerics);
            TokenRows.gelu(pool, up, up.length);
            b.down.apply(up, n, h, pool, numerics);
            TokenRows.add(pool, x, h, n * e);
        }

        // Back to raster order of merged tokens (4 patch rows each), then post norm and merger.
        float[] restored = new float[n * e];
        for (int token = 0; token < n / 4; token++) {
            System.arraycopy(x, windows.slotOf(token) * 4 * e, restored, token * 4 * e, 4 * e);
        }
        for (int t = 0; t < n; t++) {
            VectorMath.layerNorm(restored, t * e, postNormWeight, postNormBias, eps, restored, t * e, e);
            VectorMath.rmsNorm(restored, t * e, mergerNorm, MERGER_NORM_EPS, restored, t * e, e);
        }
        int tokens = n / 4;
        float[] hidden = new float[tokens * 4 * e], out = new float[tokens * textWidth];
        mergerUp.apply(restored, tokens, hidden, pool, numerics);
        TokenRows.gelu(pool, hidden, hidden.length);
        mergerDown.apply(hidden, tokens, out, pool, numerics);
        return out;
    }

    /**
     * The patches as the encoder's input rows, in window order: slot s holds merged token
     * {@code tokenAt(s)}'s four patches in (0,0), (0,1), (1,0), (1,1) order, each a vector of
     * (row, column, channel) values — the layout clip.cpp's permutes give its linear patch
     * embedding.
     */
    private float[] windowOrderedPatches(DynamicImage image, WindowLayout windows, int gx) {
        int w = image.width(), plane = w * image.height(), width = 3 * patch * patch, mx = gx / 2;
        float[] chw = image.chw();
        float[] out = new float[windows.tokens() * 4 * width];
        for (int slot = 0; slot < windows.tokens(); slot++) {
            int token = windows.tokenAt(slot), by = token / mx, bx = token % mx;
            for (int d = 0; d < 4; d++) {
                int px0 = (2 * bx + d % 2) * patch, py0 = (2 * by + d / 2) * patch, o = (slot * 4 + d) * width;
                for (int py = 0; py < patch; py++) {
                    for (int px = 0; px < patch; px++) {
                        int pixel = (py0 + py) * w + px0 + px;
                        for (int c = 0; c < 3; c++) out[o++] = chw[c * plane + pixel];
                    }
                }
            }
        }
        return out;
    }

    /** Each input row's rotary angles from its patch's row and column. */
    private float[][] rotaryAngles(WindowLayout windows, int gx) {
        int mx = gx / 2, n = windows.tokens() * 4;
        float[][] angles = new float[n][];
        for (int row = 0; row < n; row++) {
            int token = windows.tokenAt(row / 4), d = row % 4;
            angles[row] = new float[e / heads];
            rope.visionAngles(2 * (token / mx) + d / 2, 2 * (token % mx) + d % 2, angles[row]);
        }
        return angles;
    }

    /**
     * clip.cpp's window order of a {@code mx x my} merged-token grid: windows of
     * {@code side x side} tokens (the edge ones partial), row-major over the grid, tokens
     * row-major inside a window; each window's patches are one contiguous run of input rows.
     */
    static final class WindowLayout {
        private final int[] tokenAt;
        private final int[] slotOf;
        private final int[] patchFirst;
        private final int[] patchEnd;

        WindowLayout(int mx, int my, int side) {
            if (side < 1) throw new IllegalArgumentException("window of " + side + " merged tokens");
            int tokens = mx * my;
            tokenAt = new int[tokens];
            slotOf = new int[tokens];
            patchFirst = new int[4 * tokens];
            patchEnd = new int[4 * tokens];
            int slot = 0;
            for (int y = 0; y < my; y += side) {
                for (int x = 0; x < mx; x += side) {
                    int first = slot;
                    for (int dy = 0; dy < Math.min(side, my - y); dy++) {
                        for (int dx = 0; dx < Math.min(side, mx - x); dx++) {
                            int token = (y + dy) * mx + x + dx;
                            tokenAt[slot] = token;
                            slotOf[token] = slot++;
                        }
                    }
                    Arrays.fill(patchFirst, 4 * first, 4 * slot, 4 * first);
                    Arrays.fill(patchEnd, 4 * first, 4 * slot, 4 * slot);
                }
            }
        }

        int tokens() {
            return tokenAt.length;
        }

        /** The merged token (raster index) at window-order slot {@code slot}. */
        int tokenAt(int slot) {
            return tokenAt[slot];
        }

        /** The window-order slot of merged token {@code token}. */
        int slotOf(int token) {
            return slotOf[token];
        }

        /** Per input row (patch, in window order): the first row of its window. */
        int[] patchWindowStarts() {
            return patchFirst;
        }

        /** Per input row: one past the last row of its window. */
        int[] patchWindowEnds() {
            return patchEnd;
        }
    }
}
