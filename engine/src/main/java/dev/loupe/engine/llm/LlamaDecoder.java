package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.FlashAttention;
import dev.loupe.engine.kernels.HeadLayout;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.PackedAttention;
import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.tensor.RepackedWeights;
import dev.loupe.engine.tensor.WeightMatrix;

/**
 * The llama decoder (SmolLM2 / SmolVLM text model; Qwen3-VL's text model, which adds a per-head
 * RMSNorm of q and k before RoPE): RMSNorm, RoPE (the config's mode), grouped-query causal
 * attention, SwiGLU feed-forward, tied or separate output. One call evaluates a
 * batch of consecutive positions (a prefill chunk or one decode step) and appends their keys
 * and values to the sequence's cache.
 *
 * <p>Everything is computed as {@code numerics} says. Either way a sequence's tokens do not
 * depend on the sequences that shared its decode steps: exact steps are llama.cpp's own
 * products, fast ones {@link dev.loupe.engine.kernels.StripedDot striped dot products}, which
 * give each row the same floats in any batch.
 */
public final class LlamaDecoder implements TextDecoder {
    private final LlamaConfig config;
    final LlamaWeights weights;
    private final Rope rope;
    private final ComputePool pool;
    private final RepackedWeights repacked;
    private final Numerics numerics;
    private final LayerProducts products;
    private final HeadLayout heads;
    private final OutputHead head;

    public LlamaDecoder(GgufFile file, ComputePool pool, Numerics numerics) {
        this(file, pool, numerics, true);
    }

    /**
     * With {@code repack} and {@link Numerics#FAST}, the matrices of every product (the layers'
     * and the output head) are repacked at load for prefill and decode ({@link WeightMatrix#repack}).
     */
    public LlamaDecoder(GgufFile file, ComputePool pool, Numerics numerics, boolean repack) {
        this.config = LlamaConfig.from(file);
        this.weights = new LlamaWeights(file, config);
        this.rope = config.rope();
        this.pool = pool;
        this.numerics = numerics;
        this.products = new LayerProducts(pool, numerics);
        this.heads = HeadLayout.grouped(config.nHead(), config.nHeadKv(), config.headDim());
        this.head = new OutputHead(weights.outputNorm, config.rmsEps(), weights.output);
        this.repacked = repack && numerics == Numerics.FAST ? RepackedWeights.of(weights.productMatrices(), pool) : RepackedWeights.NONE;
    }

    @Override
    public RepackedWeights repacked() {
        return repacked;
    }

    public LlamaConfig config() {
        return config;
    }

    @Override public int embeddingLength() { return config.nEmbd(); }
    @Override public int vocabularySize() { return config.nVocab(); }
    @Override public int contextLength() { return config.contextTrain(); }

    @Override
    public KvCache newCache(int capacity) {
        return new KvCache(config.nLayer(), config.kvDim(), capacity);
    }

    @Override
    public long cacheBytes(int capacity) {
        return KvCache.bytesFor(config.nLayer(), config.kvDim(), capacity);
    }

    @Override
    public void embed(int[] tokens, int from, int count, float[] dst, int dstOffset) {
        TokenEmbeddings.embed(weights.tokenEmbedding, tokens, from, count, dst, dstOffset);
    }

    @Override
    public float[] forward(float[] input, int n, KvCache cache, boolean allLogits) {
        final int start = cache.length();
        cache.ensureCapacity(start + n);
        float[][] angles = new float[n][config.ropeDims()];
        for (int t = 0; t < n; t++) rope.angles(cache.nextPosition() + t, angles[t]);
        float[] logits = evaluate(input, n, angles, null, allLogits, false,
                (layer, t, k, kOff, v, vOff) -> cache.store(layer, start + t, k, kOff, v, vOff),
                (layer, q, out) -> attention(layer, q, out, n, start, cache));
        cache.setLength(start + n);
        return logits;
    }

    @Override
    public int imageEmbeddingLength() {
        return config.nEmbd() * (1 + config.deepstackLayers());
    }

    /**
     * An image chunk as llama.cpp evaluates it for Qwen3-VL (spec §3.5-3.6): token (row, col)
     * of a chunk starting at position p0 turns with M-RoPE positions (p0, p0 + row, p0 + col, 0);
     * each row's first {@code nEmbd} values enter the residual stream and the following DeepStack
     * slices are added after layers 0, 1, ...; the text after the image goes on at position
     * {@code p0 + max(gridX, gridY)}. Attention stays causal by cell, which equals llama.cpp's
     * mask here: its 2-D comparison inside an image follows the same raster order.
     */
    @Override
    public void forwardImage(float[] rows, int gridX, int gridY, KvCache cache) {
        if (rope.mode() != Rope.Mode.IMROPE) {
            TextDecoder.super.forwardImage(rows, gridX, gridY, cache);
            return;
        }
        final int n = gridX * gridY, e = config.nEmbd(), width = imageEmbeddingLength(), ds = config.deepstackLayers();
        if (rows.length != n * width) throw new IllegalArgumentException(rows.length + " values for " + n + " image tokens of " + width);
        final int start = cache.length(), p0 = cache.nextPosition();
        cache.ensureCapacity(start + n);
        float[] input = new float[n * e], deepstack = new float[n * ds * e];
        float[][] angles = new float[n][config.ropeDims()];
        for (int t = 0; t < n; t++) {
            System.arraycopy(rows, t * width, input, t * e, e);
            System.arraycopy(rows, t * width + e, deepstack, t * ds * e, ds * e);
            rope.multimodalAngles(p0, p0 + t / gridX, p0 + t % gridX, 0, angles[t]);
        }
        evaluate(input, n, angles, deepstack, false, false,
                (layer, t, k, kOff, v, vOff) -> cache.store(layer, start + t, k, kOff, v, vOff),
                (layer, q, out) -> attention(layer, q, out, n, start, cache));
        cache.setLength(start + n);
        cache.shiftPositions(Math.max(gridX, gridY) - n);
    }

    /**
     * A whole sequence in one pass: a text row at p turns as {@link #forward} turns it; an image
     * grid as {@link #forwardImage} turns it ((p0, p0 + row, p0 + col, 0) with M-RoPE, its
     * DeepStack slices added, the next row at {@code p0 + max(gridX, gridY)}; consecutive
     * positions otherwise). Text rows add zeros (nothing) where images add DeepStack.
     */
    @Override
    public float[] forwardWhole(WholeSequence sequence, KvCache cache) {
        final int n = sequence.length(), e = config.nEmbd(), width = imageEmbeddingLength(), ds = config.deepstackLayers();
        boolean mrope = rope.mode() == Rope.Mode.IMROPE;
        float[] rows = sequence.packed(width);
        float[] input = new float[n * e], deepstack = ds > 0 ? new float[n * ds * e] : null;
        float[][] angles = new float[n][config.ropeDims()];
        int p = cache.nextPosition(), t = 0;
        for (WholeSequence.Part part : sequence.parts()) {
            boolean grid = mrope && part.grid();
            for (int i = 0; i < part.count(); i++, t++) {
                System.arraycopy(rows, t * width, input, t * e, e);
                if (deepstack != null) System.arraycopy(rows, t * width + e, deepstack, t * ds * e, ds * e);
                if (grid) rope.multimodalAngles(p, p + i / part.gridX(), p + i % part.gridX(), 0, angles[t]);
                else rope.angles(p++, angles[t]);
            }
            if (grid) p += Math.max(part.gridX(), part.gridY());
        }
        final int start = cache.length();
        cache.ensureCapacity(start + n);
        float scale = (float) (1.0 / Math.sqrt(config.headDim()));
        float[] logits = evaluate(input, n, angles, deepstack, true, false,
                (layer, row, k, kOff, v, vOff) -> cache.store(layer, start + row, k, kOff, v, vOff),
                (layer, q, out) -> pool.parallelFor(n * config.nHead(), 1, (from, to) -> {
                    FlashAttention.Scratch scratch = new FlashAttention.Scratch(config.headDim());
                    for (int task = from; task < to; task++) {
                        int row = task / config.nHead(), h = task % config.nHead();
                        FlashAttention.rowHead(q, row, h, heads, cache.keys(layer), cache.values(layer), start + row + 1, scale, out, false, scratch);
                    }
                }));
        cache.setLength(start + n);
        cache.shiftPositions(p - cache.nextPosition());
        return logits;
    }

    /**
     * One decode step for several sequences at once: row i of {@code input} is the next token
     * of the sequence whose cache is {@code caches[i]}. Matrix products run once for all rows
     * (each weight block read once per step); attention is per sequence. Returns each row's
     * logits. This is what continuous batching runs between joins and leaves.
     */
    @Override
    public float[] decodeBatch(float[] input, KvCache[] caches) {
        final int n = caches.length;
        final LlamaConfig c = config;
        int[] positions = KvCache.reserveStep(caches);
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        float[][] angles = new float[n][c.ropeDims()];
        for (int i = 0; i < n; i++) rope.angles(caches[i].nextPosition(), angles[i]);
        boolean tiled = numerics == Numerics.EXACT && n >= FlashAttention.TILED_MIN_ROWS;
        float[] logits = evaluate(input, n, angles, null, true, true,
                (layer, t, k, kOff, v, vOff) -> caches[t].store(layer, positions[t], k, kOff, v, vOff),
                // Every (sequence, head) pair is a task: with fewer sequences than threads (one
                // caption at a time) the heads still spread over the pool. With exact numerics a
                // ubatch of 64 rows or more takes ggml's tiled kernel, whatever the sequences;
                // fast numerics keep the one-row kernel, so that the batch changes nothing.
                (layer, q, out) -> pool.parallelFor(n * c.nHead(), 1, (from, to) -> {
                    FlashAttention.Scratch scratch = new FlashAttention.Scratch(c.headDim());
                    for (int task = from; task < to; task++) {
                        int i = task / c.nHead(), h = task % c.nHead();
                        FlashAttention.rowHead(q, i, h, heads, caches[i].keys(layer),
                                caches[i].values(layer), positions[i] + 1, scale, out, tiled, scratch);
                    }
                }));
        for (int i = 0; i < n; i++) caches[i].setLength(positions[i] + 1);
        return logits;
    }

    /** Stores row t's keys and values for a layer. */
    private interface RowStore {
        void store(int layer, int t, float[] k, int kOff, float[] v, int vOff);
    }

    /** Attention of all rows of a layer: q in, out written. */
    private interface LayerAttention {
        void run(int layer, float[] q, float[] out);
    }

    /**
     * The layer stack for n rows with the given RoPE angles; {@code deepstack} (n rows of
     * {@code deepstackLayers * nEmbd}, or null) is added after the first layers. Returns the last
     * row's logits or all rows'.
     */
    private float[] evaluate(float[] input, int n, float[][] angles, float[] deepstack, boolean allLogits, boolean decodeStep,
                             RowStore store, LayerAttention attention) {
        final LlamaConfig c = config;
        final int e = c.nEmbd(), qDim = c.qDim(), kvDim = c.kvDim(), hd = c.headDim();
        float[] x = java.util.Arrays.copyOf(input, n * e);
        float[] h = new float[n * e];
        float[] q = new float[n * qDim];
        float[] k = new float[n * kvDim];
        float[] v = new float[n * kvDim];
        float[] att = new float[n * qDim];
        float[] proj = new float[n * e];
        SwiGluFeedForward ffn = new SwiGluFeedForward(e, c.nFf(), c.rmsEps(), n);

        for (int l = 0; l < c.nLayer(); l++) {
            LlamaWeights.Layer w = weights.layers[l];
            for (int t = 0; t < n; t++) VectorMath.rmsNorm(x, t * e, w.attnNorm(), c.rmsEps(), h, t * e, e);
            products.products(new WeightMatrix[] {w.wq(), w.wk(), w.wv()}, h, n, new float[][] {q, k, v}, decodeStep);
            for (int t = 0; t < n; t++) {
                for (int hh = 0; hh < c.nHead(); hh++) {
                    if (w.qNorm() != null) VectorMath.rmsNorm(q, t * qDim + hh * hd, w.qNorm(), c.rmsEps(), q, t * qDim + hh * hd, hd);
                    rope.rotate(q, t * qDim + hh * hd, angles[t]);
                }
                for (int hh = 0; hh < c.nHeadKv(); hh++) {
                    if (w.kNorm() != null) VectorMath.rmsNorm(k, t * kvDim + hh * hd, w.kNorm(), c.rmsEps(), k, t * kvDim + hh * hd, hd);
                    rope.rotate(k, t * kvDim + hh * hd, angles[t]);
                }
                store.store(l, t, k, t * kvDim, v, t * kvDim);
            }
            attention.run(l, q, att);
            products.product(w.wo(), att, n, proj, decodeStep);
            VectorMath.addInPlace(x, 0, proj, 0, n * e);

            int first = !allLogits && l == c.nLayer() - 1 ? n - 1 : 0;
            ffn.apply(products, x, first, n, w.ffnNorm(), w.gate(), w.up(), w.down(), decodeStep);
            if (deepstack != null && l < c.deepstackLayers()) {
                for (int t = 0; t < n; t++) VectorMath.addInPlace(x, t * e, deepstack, (t * c.deepstackLayers() + l) * e, e);
            }
        }
        return head.logits(products, x, n, e, allLogits, decodeStep);
    }

    /**
     * Fast numerics stripe every decode step; exact ones take ggml's products, which keep a
     * row's floats in any batch only for some types, and its tiled attention from
     * {@link FlashAttention#TILED_MIN_ROWS} sequences on.
     */
    @Override
    public boolean decodeStepsBatchInvariant() {
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
        for (LlamaWeights.Layer w : weights.layers) all.addAll(java.util.List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(), w.down()));
        all.add(weights.output);
        return products.batchInvariant(all);
    }

    /**
     * Causal attention of the n new positions over the whole cache. Like ggml, a batch of 64
     * rows or more takes the tiled kernel, a smaller one the row-by-row kernel: the two round
     * differently, and parity needs the same choice.
     */
    private void attention(int layer, float[] q, float[] out, int n, int start, KvCache cache) {
        final LlamaConfig c = config;
        if (numerics.packs(n)) {
            PackedAttention.multiHead(pool, q, n, heads, cache.keys(layer), cache.values(layer),
                    start + 1, true, (float) (1.0 / Math.sqrt(c.headDim())), out);
            return;
        }
        FlashAttention.multiHead(pool, q, n, heads, cache.keys(layer), cache.values(layer),
                start + 1, true, (float) (1.0 / Math.sqrt(c.headDim())), out);
    }
}
