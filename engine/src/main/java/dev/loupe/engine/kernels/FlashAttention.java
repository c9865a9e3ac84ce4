package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * One query row of attention, computed the way ggml's CPU flash-attention kernel
 * ({@code flash_attn_ext_f16_one_chunk}) does with an F16 KV cache — llama.cpp's default,
 * since "flash_attn auto" resolves to on for the CPU backend:
 * <ul>
 * <li>the query is rounded to fp16 and each Q·K dot product is summed in
 *     {@link GgmlOrder ggml's order};</li>
 * <li>the softmax is online, in f32, its running sum updated by one FMA (as GCC compiles it);</li>
 * <li>the V accumulator is fp16: every rescale and every update is rounded to fp16.</li>
 * </ul>
 * With random-weight models the attention logits are large and the fp16 accumulator turns
 * tiny differences into whole fp16 ulps, so matching the order is what brings Loupe from
 * ~6e-4 to ~1e-7 of llama.cpp on attention outputs.
 */
public final class FlashAttention {
    private FlashAttention() {}

    /**
     * @param q       query values at {@code qOff} (dk values)
     * @param keys    fp16-rounded keys, row {@code j} at {@code kOff + j * kStride}
     * @param values  fp16-rounded values, row {@code j} at {@code vOff + j * vStride}
     * @param n       number of key/value rows to attend to (the caller applies causality)
     * @param dk      values per query and key head
     * @param dv      values per value head (MLA: fewer than dk)
     * @param scale   applied to each Q·K product (1/sqrt(d))
     * @param out     receives dv values at {@code outOff}
     * @param scratch a per-thread {@link Scratch} of at least dk and dv
     */
    public static void attend(float[] q, int qOff, float[] keys, int kOff, int kStride, float[] values, int vOff, int vStride,
                              int n, int dk, int dv, float scale, float[] out, int outOff, Scratch scratch) {
        float[] qHalf = scratch.qHalf, acc = scratch.acc;
        for (int i = 0; i < dk; i++) qHalf[i] = Layouts.roundF16(q[qOff + i]);
        java.util.Arrays.fill(acc, 0, dv, 0f);
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float s = GgmlOrder.dot(qHalf, 0, keys, kOff + j * kStride, dk) * scale;
            float ms = 1f;
            float vs = 1f;
            if (s > max) {
                float old = max;
                max = s;
                ms = GgmlExp.expf(old - max);
                scaleHalf(acc, dv, ms);
            } else {
                vs = GgmlExp.expf(s - max);
            }
            madHalf(values, vOff + j * vStride, vs, acc, dv);
            // ggml's line is S = S*ms + vs, which GCC contracts to one FMA (-ffp-contract=fast is
            // its default for C): unfused, qwen3vl text2's logits were 2.8e-3 off.
            sum = Math.fma(sum, ms, vs);
        }
        float inv = sum == 0f ? 0f : 1f / sum;
        for (int i = 0; i < dv; i++) out[outOff + i] = acc[i] * inv;
    }

    private static final jdk.incubator.vector.VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** acc[i] = fp16(acc[i] * m): the fp16 accumulator rescaled when the running max grows. */
    private static void scaleHalf(float[] acc, int d, float m) {
        int i = 0;
        for (; i + S.length() <= d; i += S.length()) FloatVector.fromArray(S, acc, i).mul(m).intoArray(acc, i);
        for (; i < d; i++) acc[i] *= m;
        HalfRounding.roundInPlace(acc, 0, d);
    }

    /** acc[i] = fp16(fma(v[vo + i], s, acc[i])): ggml_vec_mad_f16 into the fp16 accumulator. */
    private static void madHalf(float[] v, int vo, float s, float[] acc, int d) {
        int i = 0;
        FloatVector sv = FloatVector.broadcast(S, s);
        for (; i + S.length() <= d; i += S.length()) FloatVector.fromArray(S, v, vo + i).fma(sv, FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        for (; i < d; i++) acc[i] = Math.fma(v[vo + i], s, acc[i]);
        HalfRounding.roundInPlace(acc, 0, d);
    }

    /**
     * Multi-head attention of {@code rows} query rows laid out as {@code layout} says, choosing
     * ggml's kernel as ggml does: tiled for 64 rows or more, row by row otherwise. Row t sees
     * cells [0, visible + t) when causal, [0, visible) otherwise.
     */
    public static void multiHead(ComputePool pool, float[] q, int rows, HeadLayout layout,
                                 float[] keys, float[] values, int visible, boolean causal, float scale, float[] out) {
        multiHead(pool, q, rows, layout, keys, values, causal ? VisibleCells.causal(visible) : VisibleCells.all(visible), scale, out);
    }

    /** As above, query row t seeing the cells {@code cells} gives it (a window, for a vision encoder's local layers). */
    public static void multiHead(ComputePool pool, float[] q, int rows, HeadLayout layout,
                                 float[] keys, float[] values, VisibleCells cells, float scale, float[] out) {
        final int heads = layout.heads(), dk = layout.keyWidth(), dv = layout.valueWidth();
        final int qStride = layout.queryStride(), outStride = layout.outputStride();
        if (rows >= TILED_MIN_ROWS) {
            int tiles = (rows + TILE_ROWS - 1) / TILE_ROWS;
            pool.parallelFor(heads * tiles, 1, (from, to) -> {
                Scratch scratch = new Scratch(Math.max(dk, dv));
                for (int task = from; task < to; task++) {
                    int head = task / tiles, t0 = (task % tiles) * TILE_ROWS;
                    attendTiled(q, t0 * qStride + head * dk, qStride, Math.min(TILE_ROWS, rows - t0),
                            keys, layout.keyOffset(head), layout.keyStride(), values, layout.valueOffset(head), layout.valueStride(),
                            cells, t0, dk, dv, scale, out, t0 * outStride + head * dv, outStride, scratch);
                }
            });
            return;
        }
        pool.parallelFor(rows * heads, 1, (from, to) -> {
            Scratch scratch = new Scratch(Math.max(dk, dv));
            for (int task = from; task < to; task++) {
                int t = task / heads, head = task % heads, first = cells.first(t);
                // ggml's one-row kernel skips masked cells one by one: attending over the visible
                // range alone is the same arithmetic.
                attend(q, t * qStride + head * dk, keys, layout.keyOffset(head) + first * layout.keyStride(), layout.keyStride(),
                        values, layout.valueOffset(head) + first * layout.valueStride(), layout.valueStride(),
                        cells.end(t) - first, dk, dv, scale, out, t * outStride + head * dv, scratch);
            }
        });
    }

    /**
     * Head {@code head} of activation row {@code row} over {@code visible} cached positions: the
     * batched decode step, where each row has its own cache and the (row, head) pairs spread
     * over the pool. {@code tiled} picks ggml's tiled kernel (a ubatch of
     * {@link #TILED_MIN_ROWS} rows or more) over the one-row one.
     */
    public static void rowHead(float[] q, int row, int head, HeadLayout layout, float[] keys, float[] values,
                               int visible, float scale, float[] out, boolean tiled, Scratch scratch) {
        int dk = layout.keyWidth(), dv = layout.valueWidth();
        int qo = row * layout.queryStride() + head * dk, oo = row * layout.outputStride() + head * dv;
        if (tiled) {
            attendTiled(q, qo, layout.queryStride(), 1, keys, layout.keyOffset(head), layout.keyStride(), values,
                    layout.valueOffset(head), layout.valueStride(), VisibleCells.all(visible), 0, dk, dv, scale, out, oo,
                    layout.outputStride(), scratch);
        } else {
            attend(q, qo, keys, layout.keyOffset(head), layout.keyStride(), values, layout.valueOffset(head), layout.valueStride(),
                    visible, dk, dv, scale, out, oo, scratch);
        }
    }

    /** Query rows per ubatch from which ggml switches to its tiled kernel ({@code GGML_FA_TILE_Q}). */
    public static final int TILED_MIN_ROWS = 64;
    /** Key/value cells per tile of the tiled kernel. */
    static final int KV_TILE = 64;

    /**
     * Query rows of one head as ggml's tiled kernel ({@code flash_attn_ext_tiled}, used when a
     * ubatch has at least {@link #TILED_MIN_ROWS} rows) computes them: f32 query, keys and
     * values widened to f32, each score one sequential FMA chain over the head dimension, then
     * per tile of 64 cells (tiles start at cell 0, whatever a row sees) a running max,
     * {@link GgmlExp#softmaxExp ggml's vector softmax} with masked cells at -inf, and an f32
     * accumulator updated by one sequential FMA chain over the tile's cells. A tile a row sees
     * none of leaves that row untouched, as ggml skips it.
     *
     * <p>Vectorised the way ggml's SIMD GEMM is — across cells for the scores (keys transposed
     * per tile), across the head dimension for the values — which leaves every element's chain
     * of operations, and so every result bit, unchanged.
     *
     * @param cells   the cells each query row sees, by query row index
     * @param rowBase the query row index of this call's first row
     */
    public static void attendTiled(float[] q, int qOff, int qStride, int rows, float[] keys, int kOff, int kStride, float[] values,
                                   int vOff, int vStride, VisibleCells cells, int rowBase, int dk, int dv, float scale,
                                   float[] out, int outOff, int outStride, Scratch scratch) {
        float[] kt = scratch.keysTransposed(dk), kq = scratch.scores, acc = scratch.tileAcc(dv);
        float[] max = scratch.rowMax, sum = scratch.rowSum;
        for (int t0 = 0; t0 < rows; t0 += TILE_ROWS) {
            int tileRows = Math.min(TILE_ROWS, rows - t0);
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(sum, 0f);
            java.util.Arrays.fill(acc, 0, tileRows * dv, 0f);
            int lo = Integer.MAX_VALUE, hi = 0;
            for (int i = 0; i < tileRows; i++) {
                lo = Math.min(lo, cells.first(rowBase + t0 + i));
                hi = Math.max(hi, cells.end(rowBase + t0 + i));
            }
            for (int start = lo / KV_TILE * KV_TILE; start < hi; start += KV_TILE) {
                transposeKeys(keys, kOff + start * kStride, kStride, Math.min(KV_TILE, hi - start), dk, kt);
                for (int i = 0; i < tileRows; i++) {
                    int first = cells.first(rowBase + t0 + i) - start, end = cells.end(rowBase + t0 + i) - start;
                    if (end <= 0 || first >= KV_TILE) continue; // the row sees none of this tile
                    scores(q, qOff + (t0 + i) * qStride, kt, dk, kq);
                    float tileMax = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < KV_TILE; j++) {
                        kq[j] = j >= first && j < end ? kq[j] * scale : Float.NEGATIVE_INFINITY;
                        tileMax = Math.max(tileMax, kq[j]);
                    }
                    int a = i * dv;
                    float newMax = Math.max(max[i], tileMax);
                    if (newMax > max[i]) {
                        float ms = GgmlExp.expf(max[i] - newMax);
                        for (int c = 0; c < dv; c++) acc[a + c] *= ms;
                        sum[i] *= ms;
                    }
                    max[i] = newMax;
                    sum[i] = (float) (sum[i] + GgmlExp.softmaxExp(kq, 0, kq, 0, KV_TILE, newMax));
                    // Masked cells have weight 0 after the softmax; accumulating through the last
                    // visible one adds exact zeros for the masked ones before it, as ggml's GEMM does.
                    accumulateValues(kq, Math.min(KV_TILE, end), values, vOff + start * vStride, vStride, dv, acc, a);
                }
            }
            for (int i = 0; i < tileRows; i++) {
                float inv = sum[i] == 0f ? 0f : 1f / sum[i];
                int o = outOff + (t0 + i) * outStride;
                for (int c = 0; c < dv; c++) out[o + c] = acc[i * dv + c] * inv;
            }
        }
    }

    /** kt[dk * 64 + j] = key j's element dk; cells past {@code stored} are zero. */
    private static void transposeKeys(float[] keys, int kOff, int kvStride, int stored, int d, float[] kt) {
        for (int j = 0; j < KV_TILE; j++) {
            if (j < stored) {
                int ko = kOff + j * kvStride;
                for (int dk = 0; dk < d; dk++) kt[dk * KV_TILE + j] = keys[ko + dk];
            } else {
                for (int dk = 0; dk < d; dk++) kt[dk * KV_TILE + j] = 0f;
            }
        }
    }

    /** kq[j] = Σ_dk q[dk]·k_j[dk] as one FMA chain per j, eight cells per vector. */
    private static void scores(float[] q, int qOff, float[] kt, int d, float[] kq) {
        FloatVector c0 = FloatVector.zero(S8), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int dk = 0; dk < d; dk++) {
            FloatVector qv = FloatVector.broadcast(S8, q[qOff + dk]);
            int o = dk * KV_TILE;
            c0 = qv.fma(FloatVector.fromArray(S8, kt, o), c0);
            c1 = qv.fma(FloatVector.fromArray(S8, kt, o + 8), c1);
            c2 = qv.fma(FloatVector.fromArray(S8, kt, o + 16), c2);
            c3 = qv.fma(FloatVector.fromArray(S8, kt, o + 24), c3);
            c4 = qv.fma(FloatVector.fromArray(S8, kt, o + 32), c4);
            c5 = qv.fma(FloatVector.fromArray(S8, kt, o + 40), c5);
            c6 = qv.fma(FloatVector.fromArray(S8, kt, o + 48), c6);
            c7 = qv.fma(FloatVector.fromArray(S8, kt, o + 56), c7);
        }
        c0.intoArray(kq, 0);
        c1.intoArray(kq, 8);
        c2.intoArray(kq, 16);
        c3.intoArray(kq, 24);
        c4.intoArray(kq, 32);
        c5.intoArray(kq, 40);
        c6.intoArray(kq, 48);
        c7.intoArray(kq, 56);
    }

    /** acc[c] = fma(p_k, v_k[c], acc[c]) for k in order, eight elements of the head per vector. */
    private static void accumulateValues(float[] p, int cells, float[] values, int vOff, int kvStride, int d, float[] acc, int a) {
        int c = 0;
        for (; c + 8 <= d; c += 8) {
            FloatVector sum = FloatVector.fromArray(S8, acc, a + c);
            for (int k = 0; k < cells; k++) {
                sum = FloatVector.broadcast(S8, p[k]).fma(FloatVector.fromArray(S8, values, vOff + k * kvStride + c), sum);
            }
            sum.intoArray(acc, a + c);
        }
        for (; c < d; c++) {
            float sum = acc[a + c];
            for (int k = 0; k < cells; k++) sum = Math.fma(p[k], values[vOff + k * kvStride + c], sum);
            acc[a + c] = sum;
        }
    }

    /** Query rows per tile of the tiled kernel. */
    static final int TILE_ROWS = 64;
    private static final jdk.incubator.vector.VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    /** Per-thread buffers for {@link #attend} and {@link #attendTiled}. */
    public static final class Scratch {
        final float[] qHalf;
        final float[] acc;
        final float[] scores = new float[KV_TILE];
        final float[] rowMax = new float[TILE_ROWS];
        final float[] rowSum = new float[TILE_ROWS];
        private float[] keysT = new float[0];
        private float[] tileAcc = new float[0];

        /** Buffers for heads of up to {@code headDim} values (the wider of key and value heads). */
        public Scratch(int headDim) {
            qHalf = new float[headDim];
            acc = new float[headDim];
        }

        float[] keysTransposed(int d) {
            if (keysT.length < d * KV_TILE) keysT = new float[d * KV_TILE];
            return keysT;
        }

        float[] tileAcc(int d) {
            if (tileAcc.length < d * TILE_ROWS) tileAcc = new float[d * TILE_ROWS];
            return tileAcc;
        }
    }
}
