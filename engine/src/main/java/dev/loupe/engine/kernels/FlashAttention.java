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

    /** Per-thread buffers for {@link #attend}. */
    public static final class Scratch {
        final float[] qHalf;
        final float[] acc;

        public Scratch(int headDim) {
            qHalf = new float[headDim];
            acc = new float[headDim];
        }
    }
}
