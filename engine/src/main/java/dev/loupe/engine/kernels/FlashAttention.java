package dev.loupe.engine.kernels;

/**
 * One query row of attention, computed the way ggml's CPU flash-attention kernel does with an
 * F16 KV cache (llama.cpp's default, "flash_attn auto" resolves to on for CPU): the query is
 * rounded to fp16 for the Q·K dot products, the softmax is online in f32, and the V
 * accumulator is kept in fp16 — every update is rounded to fp16. Matching those rounding
 * points keeps Loupe within ~1e-4 of llama.cpp instead of ~2e-3.
 */
public final class FlashAttention {
    private FlashAttention() {}

    /**
     * @param q       query values at {@code qOff} (d values)
     * @param keys    fp16-rounded keys, row {@code j} at {@code kOff + j * kvStride}
     * @param values  fp16-rounded values, row {@code j} at {@code vOff + j * kvStride}
     * @param n       number of key/value rows to attend to (all of them: the caller applies causality)
     * @param scale   applied to each Q·K product (1/sqrt(d))
     * @param out     receives d values at {@code outOff}
     * @param qHalf   scratch of at least d floats
     * @param acc     scratch of at least d floats
     */
    public static void attend(float[] q, int qOff, float[] keys, int kOff, float[] values, int vOff, int kvStride,
                              int n, int d, float scale, float[] out, int outOff, float[] qHalf, float[] acc) {
        for (int i = 0; i < d; i++) {
            qHalf[i] = Layouts.roundF16(q[qOff + i]);
            acc[i] = 0f;
        }
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float s = VectorMath.dot(qHalf, 0, keys, kOff + j * kvStride, d) * scale;
            float ms = 1f;
            float vs = 1f;
            if (s > max) {
                float old = max;
                max = s;
                ms = (float) Math.exp(old - max);
                for (int i = 0; i < d; i++) acc[i] = Layouts.roundF16(acc[i] * ms);
            } else {
                vs = (float) Math.exp(s - max);
            }
            int vo = vOff + j * kvStride;
            for (int i = 0; i < d; i++) acc[i] = Layouts.roundF16(Math.fma(values[vo + i], vs, acc[i]));
            sum = sum * ms + vs;
        }
        float inv = sum == 0f ? 0f : 1f / sum;
        for (int i = 0; i < d; i++) out[outOff + i] = acc[i] * inv;
    }
}
