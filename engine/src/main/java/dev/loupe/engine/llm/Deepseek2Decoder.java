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
 * The dense deepseek2 decoder with multi-head latent attention (MLA), as llama.cpp runs
 * Youtu-VL's text model — in absorbed form, for prompts and decode steps alike:
 * <ol>
 * <li>queries through the low-rank bottleneck ({@code q_a}, RMSNorm, {@code q_b}), each head
 *     split into a part without RoPE ("nope") and a roped part;</li>
 * <li>{@code kv_a} gives each position a latent (RMSNorm'd) and one roped key shared by every
 *     head; the cache keeps just these, {@link Deepseek2Config#latentWidth()} values per
 *     position and layer, instead of every head's keys and values;</li>
 * <li>each head's nope query is mapped into latent space by {@code k_b} (the key
 *     up-projection absorbed into the query), so a head attends with a query of latent + rope
 *     values over the cached rows, its value being the latent itself;</li>
 * <li>{@code v_b} maps each head's attended latent to its value width, {@code attn_output}
 *     back to the residual; then a dense SwiGLU feed-forward and the tied output.</li>
 * </ol>
 * Rounding points follow llama.cpp's graph: fp16 cache rows, flash attention with a 576-wide
 * key and 512-wide value (ggml's one-row or tiled kernel by batch size), the per-head products
 * as ggml's batched matrix products (3-D weights, never repacked).
 */
public final class Deepseek2Decoder implements TextDecoder {
    private final Deepseek2Config config;
    private final Deepseek2Weights weights;
    private final Rope rope;
    private final ComputePool pool;
    private final RepackedWeights repacked;
    private final Numerics numerics;
    private final LayerProducts products;
    private final HeadLayout heads;
    private final OutputHead head;

    public Deepseek2Decoder(GgufFile file, ComputePool pool, Numerics numerics) {
        this(file, pool, numerics, true);
    }

    /**
     * With {@code repack} and {@link Numerics#FAST}, the matrices of every product (the layers'
     * and the output head) are repacked at load for prefill and decode ({@link WeightMatrix#repack}).
     */
    public Deepseek2Decoder(GgufFile file, ComputePool pool, Numerics numerics, boolean repack) {
        this.config = Deepseek2Config.from(file);
        this.weights = new Deepseek2Weights(file, config);
        this.rope = config.rope();
        this.pool = pool;
        this.numerics = numerics;
        this.products = new LayerProducts(pool, numerics);
        this.heads = HeadLayout.latent(config.nHead(), config.latentWidth(), config.kvLoraRank());
        this.head = new OutputHead(weights.outputNorm, config.rmsEps(), weights.output);
        this.repacked = repack && numerics == Numerics.FAST ? RepackedWeights.of(weights.all(), pool) : RepackedWeights.NONE;
    }

    @Override
    public RepackedWeights repacked() {
        return repacked;
    }

    public Deepseek2Config config() {
        return config;
    }

    @Override public int embeddingLength() { return config.nEmbd(); }
    @Override public int vocabularySize() { return config.nVocab(); }
    @Override public int contextLength() { return config.contextTrain(); }

    @Override
    public KvCache newCache(int capacity) {
        return KvCache.latent(config.nLayer(), config.latentWidth(), capacity);
    }

    @Override
    public long cacheBytes(int capacity) {
        return KvCache.latentBytesFor(config.nLayer(), config.latentWidth(), capacity);
    }

    @Override
    public void embed(int[] tokens, int from, int count, float[] dst, int dstOffset) {
        TokenEmbeddings.embed(weights.tokenEmbedding, tokens, from, count, dst, dstOffset);
    }

    @Override
    public float[] forward(float[] input, int n, KvCache cache, boolean allLogits) {
        return forward(input, n, cache, allLogits, null);
    }

    @Override
    public float[] forwardKeepingHidden(float[] input, int n, KvCache cache, float[] hidden) {
        return forward(input, n, cache, false, java.util.Objects.requireNonNull(hidden, "hidden"));
    }

    private float[] forward(float[] input, int n, KvCache cache, boolean allLogits, float[] hidden) {
        final int start = cache.length();
        cache.ensureCapacity(start + n);
        float[][] angles = new float[n][config.ropeDims()];
        for (int t = 0; t < n; t++) rope.angles(cache.nextPosition() + t, angles[t]);
        float[] logits = evaluate(input, n, angles, allLogits, false, hidden,
                (layer, t, row, off) -> cache.storeRow(layer, start + t, row, off),
                (layer, q, out) -> attention(layer, q, out, n, start, cache));
        cache.setLength(start + n);
        return logits;
    }

    /** A whole sequence in one pass, every row (image rows too) at the next position, as {@link #forward} places them. */
    @Override
    public float[] forwardWhole(WholeSequence sequence, KvCache cache) {
        final int n = sequence.length(), start = cache.length(), nHead = config.nHead();
        float[] input = sequence.packed(config.nEmbd());
        cache.ensureCapacity(start + n);
        float[][] angles = new float[n][config.ropeDims()];
        for (int t = 0; t < n; t++) rope.angles(cache.nextPosition() + t, angles[t]);
        float scale = config.attentionScale();
        float[] logits = evaluate(input, n, angles, true, false, null,
                (layer, t, row, off) -> cache.storeRow(layer, start + t, row, off),
                (layer, q, out) -> pool.parallelFor(n * nHead, 1, (from, to) -> {
                    FlashAttention.Scratch scratch = new FlashAttention.Scratch(config.latentWidth());
                    for (int task = from; task < to; task++) {
                        int t = task / nHead, h = task % nHead;
                        FlashAttention.rowHead(q, t, h, heads, cache.keys(layer), cache.values(layer), start + t + 1, scale, out, false, scratch);
                    }
                }));
        cache.setLength(start + n);
        return logits;
    }

    @Override
    public float[] decodeBatch(float[] input, KvCache[] caches) {
        final int n = caches.length;
        int[] positions = KvCache.reserveStep(caches);
        float[][] angles = new float[n][config.ropeDims()];
        for (int i = 0; i < n; i++) rope.angles(caches[i].nextPosition(), angles[i]);
        // As for llama: exact numerics take ggml's tiled kernel from a ubatch of 64 rows on,
        // whatever the sequences; fast numerics keep the one-row kernel, so the batch changes nothing.
        boolean tiled = numerics == Numerics.EXACT && n >= FlashAttention.TILED_MIN_ROWS;
        float scale = config.attentionScale();
        int nHead = config.nHead();
        float[] logits = evaluate(input, n, angles, true, true, null,
                (layer, t, row, off) -> caches[t].storeRow(layer, positions[t], row, off),
                (layer, q, out) -> pool.parallelFor(n * nHead, 1, (from, to) -> {
                    FlashAttention.Scratch scratch = new FlashAttention.Scratch(config.latentWidth());
                    for (int task = from; task < to; task++) {
                        int i = task / nHead, h = task % nHead;
                        FlashAttention.rowHead(q, i, h, heads, caches[i].keys(layer), caches[i].values(layer), positions[i] + 1,
                                scale, out, tiled, scratch);
                    }
                }));
        for (int i = 0; i < n; i++) caches[i].setLength(positions[i] + 1);
        return logits;
    }

    /** The output head's rows for {@code tokens} (tied: their token embeddings), one row of the embedding width each. */
    @Override
    public float[] outputRows(int[] tokens) {
        float[] rows = new float[tokens.length * config.nEmbd()];
        TokenEmbeddings.embed(weights.output, tokens, 0, tokens.length, rows, 0);
        return rows;
    }

    @Override
    public boolean decodeStepsBatchInvariant() {
        return products.batchInvariant(weights.all());
    }

    /** Stores row t's latent cache row (latent + roped key) for a layer. */
    private interface RowStore {
        void store(int layer, int t, float[] row, int off);
    }

    /** Attention of all rows of a layer: absorbed queries in, attended latents out. */
    private interface LayerAttention {
        void run(int layer, float[] q, float[] out);
    }

    /**
     * The layer stack for n rows with the given RoPE angles; the last row's logits or all rows'.
     * With {@code hidden}, every row's final-norm hidden state goes there too (n rows of the
     * embedding width), which needs the last layer's feed-forward on every row.
     */
    private float[] evaluate(float[] input, int n, float[][] angles, boolean allLogits, boolean decodeStep, float[] hidden,
                             RowStore store, LayerAttention attention) {
        final Deepseek2Config c = config;
        final int e = c.nEmbd(), nHead = c.nHead(), nope = c.qkNopeDims(), qkHead = c.qkHeadDims();
        final int latent = c.kvLoraRank(), row = c.latentWidth(), qWidth = nHead * qkHead, vHead = c.vHeadDims();
        float[] x = java.util.Arrays.copyOf(input, n * e);
        float[] h = new float[n * e];
        float[] qLow = c.qLoraRank() > 0 ? new float[n * c.qLoraRank()] : null;
        float[] q = new float[n * qWidth];
        float[] kv = new float[n * row];
        float[] absorbed = new float[n * nHead * row];
        float[] attended = new float[n * nHead * latent];
        float[][] nopeQueries = new float[nHead][n * nope], absorbedQueries = new float[nHead][n * latent];
        float[][] headLatents = new float[nHead][n * latent], headValues = new float[nHead][n * vHead];
        float[] values = new float[n * nHead * vHead];
        float[] proj = new float[n * e];
        SwiGluFeedForward ffn = new SwiGluFeedForward(e, c.nFf(), c.rmsEps(), n);

        for (int l = 0; l < c.nLayer(); l++) {
            Deepseek2Weights.Layer w = weights.layers[l];
            for (int t = 0; t < n; t++) VectorMath.rmsNorm(x, t * e, w.attnNorm(), c.rmsEps(), h, t * e, e);
            if (qLow != null) {
                products.products(new WeightMatrix[] {w.qA(), w.kvA()}, h, n, new float[][] {qLow, kv}, decodeStep);
                int r = c.qLoraRank();
                for (int t = 0; t < n; t++) VectorMath.rmsNorm(qLow, t * r, w.qANorm(), c.rmsEps(), qLow, t * r, r);
                products.product(w.qB(), qLow, n, q, decodeStep);
            } else {
                products.products(new WeightMatrix[] {w.q(), w.kvA()}, h, n, new float[][] {q, kv}, decodeStep);
            }
            for (int t = 0; t < n; t++) {
                for (int hh = 0; hh < nHead; hh++) rope.rotate(q, t * qWidth + hh * qkHead + nope, angles[t]);
                VectorMath.rmsNorm(kv, t * row, w.kvANorm(), c.rmsEps(), kv, t * row, latent);
                rope.rotate(kv, t * row + latent, angles[t]);
                store.store(l, t, kv, t * row);
            }
            // Absorbed queries: [k_b[h] · nope(h), rope(h)] per head, as llama.cpp concatenates them.
            // The per-head products (dozens per layer, each small) run as one pool job.
            for (int hh = 0; hh < nHead; hh++) {
                for (int t = 0; t < n; t++) System.arraycopy(q, t * qWidth + hh * qkHead, nopeQueries[hh], t * nope, nope);
            }
            products.productsEach(w.kB(), nopeQueries, n, absorbedQueries, decodeStep);
            for (int hh = 0; hh < nHead; hh++) {
                for (int t = 0; t < n; t++) {
                    int o = (t * nHead + hh) * row;
                    System.arraycopy(absorbedQueries[hh], t * latent, absorbed, o, latent);
                    System.arraycopy(q, t * qWidth + hh * qkHead + nope, absorbed, o + latent, c.ropeDims());
                }
            }
            attention.run(l, absorbed, attended);
            for (int hh = 0; hh < nHead; hh++) {
                for (int t = 0; t < n; t++) System.arraycopy(attended, (t * nHead + hh) * latent, headLatents[hh], t * latent, latent);
            }
            products.productsEach(w.vB(), headLatents, n, headValues, decodeStep);
            for (int hh = 0; hh < nHead; hh++) {
                for (int t = 0; t < n; t++) System.arraycopy(headValues[hh], t * vHead, values, (t * nHead + hh) * vHead, vHead);
            }
            products.product(w.wo(), values, n, proj, decodeStep);
            VectorMath.addInPlace(x, 0, proj, 0, n * e);

            int first = !allLogits && hidden == null && l == c.nLayer() - 1 ? n - 1 : 0;
            ffn.apply(products, x, first, n, w.ffnNorm(), w.gate(), w.up(), w.down(), decodeStep);
        }
        if (hidden != null) head.normed(x, n, e, hidden);
        return head.logits(products, x, n, e, allLogits, decodeStep);
    }

    /**
     * Causal attention of the n new positions over the whole cache: ggml's flash-attention
     * kernels (one-row below 64 rows, tiled from 64) with exact numerics or a short prompt,
     * F32 matrix products ({@link PackedAttention}) for a fast prefill.
     */
    private void attention(int layer, float[] q, float[] out, int n, int start, KvCache cache) {
        float scale = config.attentionScale();
        if (numerics.packs(n)) {
            PackedAttention.multiHead(pool, q, n, heads, cache.keys(layer), cache.values(layer), start + 1, true, scale, out);
        } else {
            FlashAttention.multiHead(pool, q, n, heads, cache.keys(layer), cache.values(layer), start + 1, true, scale, out);
        }
    }
}
