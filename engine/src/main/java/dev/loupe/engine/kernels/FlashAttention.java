package dev.loupe.engine.kernels;

/**
 * One query row of attention, computed the way ggml's CPU flash-attention kernel
 * ({@code flash_attn_ext_f16_one_chunk}) does with an F16 KV cache — llama.cpp's default,
 * since "flash_attn auto" resolves to on for the CPU backend:
 * <ul>
 * <li>the query is rounded to fp16 and each Q·K dot product is summed in
 *     {@link GgmlOrder ggml's order};</li>
 * <li>the softmax is online, in f32;</li>
 * <li>the V accumulator is fp16: every rescale and every update is rounded to fp16.</li>
 * </ul>
 * With random-weight models the attention logits are large and the fp16 accumulator turns
 * tiny differences into whole fp16 ulps, so matching the order is what brings Loupe from
 * ~6e-4 to ~1e-7 of llama.cpp on attention outputs.
 */
public final class FlashAttention {
    private FlashAttention() {}

    /**
     * @param q       query values at {@code qOff} (d values)
     * @param keys    fp16-rounded keys, row {@code j} at {@code kOff + j * kvStride}
     * @param values  fp16-rounded values, row {@code j} at {@code vOff + j * kvStride}
     * @param n       number of key/value rows to attend to (the caller applies causality)
     * @param scale   applied to each Q·K product (1/sqrt(d))
     * @param out     receives d values at {@code outOff}
     * @param scratch a per-thread {@link Scratch} of at least d
     */
    public static void attend(float[] q, int qOff, float[] keys, int kOff, float[] values, int vOff, int kvStride,
                              int n, int d, float scale, float[] out, int outOff, Scratch scratch) {
        float[] qHalf = scratch.qHalf, acc = scratch.acc;
        for (int i = 0; i < d; i++) {
            qHalf[i] = Layouts.roundF16(q[qOff + i]);
            acc[i] = 0f;
        }
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float s = GgmlOrder.dot(qHalf, 0, keys, kOff + j * kvStride, d) * scale;
            float ms = 1f;
            float vs = 1f;
            if (s > max) {
                float old = max;
                max = s;
                ms = GgmlExp.expf(old - max);
                for (int i = 0; i < d; i++) acc[i] = Layouts.roundF16(acc[i] * ms);
            } else {
                vs = GgmlExp.expf(s - max);
            }
            int vo = vOff + j * kvStride;
            for (int i = 0; i < d; i++) acc[i] = Layouts.roundF16(Math.fma(values[vo + i], vs, acc[i]));
            sum = sum * ms + vs;
        }
        float inv = sum == 0f ? 0f : 1f / sum;
        for (int i = 0; i < d; i++) out[outOff + i] = acc[i] * inv;
    }

    /** Query rows per ubatch from which ggml switches to its tiled kernel ({@code GGML_FA_TILE_Q}). */
    public static final int TILED_MIN_ROWS = 64;
    /** Key/value cells per tile of the tiled kernel. */
    static final int KV_TILE = 64;

    /**
     * One query row as ggml's tiled kernel ({@code flash_attn_ext_tiled}, used when a ubatch has
     * at least {@link #TILED_MIN_ROWS} rows) computes it: f32 query, keys and values widened to
     * f32, scores as one sequential FMA chain per cell, then per tile of 64 cells a running
     * max, {@link GgmlExp#softmaxExp ggml's vector softmax} and an f32 accumulator updated by
     * one sequential FMA chain over the tile's cells. Cells at or past {@code n} are masked.
     */
    public static void attendTiled(float[] q, int qOff, float[] keys, int kOff, float[] values, int vOff, int kvStride,
                                   int n, int d, float scale, float[] out, int outOff, Scratch scratch) {
        float[] acc = scratch.acc, kq = scratch.scores;
        for (int i = 0; i < d; i++) acc[i] = 0f;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int start = 0; start < n; start += KV_TILE) {
            int cells = Math.min(KV_TILE, n - start);
            float tileMax = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < KV_TILE; j++) {
                float s = Float.NEGATIVE_INFINITY;
                if (j < cells) {
                    int ko = kOff + (start + j) * kvStride;
                    float chain = 0f;
                    for (int i = 0; i < d; i++) chain = Math.fma(q[qOff + i], keys[ko + i], chain);
                    s = chain * scale;
                }
                kq[j] = s;
                tileMax = Math.max(tileMax, s);
            }
            float newMax = Math.max(max, tileMax);
            if (newMax > max) {
                float ms = GgmlExp.expf(max - newMax);
                for (int i = 0; i < d; i++) acc[i] *= ms;
                sum *= ms;
            }
            max = newMax;
            sum = (float) (sum + GgmlExp.softmaxExp(kq, 0, kq, 0, KV_TILE, newMax));
            for (int j = 0; j < cells; j++) {
                float p = kq[j];
                int vo = vOff + (start + j) * kvStride;
                for (int i = 0; i < d; i++) acc[i] = Math.fma(p, values[vo + i], acc[i]);
            }
        }
        float inv = sum == 0f ? 0f : 1f / sum;
        for (int i = 0; i < d; i++) out[outOff + i] = acc[i] * inv;
    }

    /** Per-thread buffers for {@link #attend} and {@link #attendTiled}. */
    public static final class Scratch {
        final float[] qHalf;
        final float[] acc;
        final float[] scores = new float[KV_TILE];

        public Scratch(int headDim) {
            qHalf = new float[headDim];
            acc = new float[headDim];
        }
    }
}
