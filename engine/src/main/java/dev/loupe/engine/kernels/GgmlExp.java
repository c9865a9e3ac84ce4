package dev.loupe.engine.kernels;

/**
 * ggml's vectorised single-precision exponential ({@code ggml_v_expf}, AVX2 build) and the
 * SiLU built on it, emulated lane by lane with fused multiply-adds so that results are
 * bit-identical to llama.cpp's. ggml uses this approximation (max error ~1.5 ulp) in SwiGLU
 * and in flash attention's tiled softmax, for every full group of 8 values; leftovers use
 * libm's {@code expf}.
 */
public final class GgmlExp {
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    private GgmlExp() {}

    /** One lane of {@code ggml_v_expf}. */
    public static float vexp(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + ONE_BITS);
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                        Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u, 0x1.ffffecp-1f * b);
        float absN = Math.abs(n);
        if (!(absN > 126f)) return Math.fma(k, j, k);
        // Large |n|: scale in two steps so that neither over- nor underflows early.
        int g = n <= 0f ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        if (absN > 192f) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }

    /** libm-style expf for the scalar leftovers. */
    public static float expf(float x) {
        return (float) Math.exp(x);
    }

    /**
     * {@code ggml_vec_swiglu_f32}: y[i] = silu(x[i]) * g[i], the vector SiLU
     * ({@code x / (1 + vexp(-x))}) for full groups of 8, the scalar one for the rest.
     */
    public static void swiglu(float[] x, int xOff, float[] g, int gOff, float[] y, int yOff, int n) {
        int groups = n & ~7;
        for (int i = 0; i < groups; i++) {
            float v = x[xOff + i];
            y[yOff + i] = (v / (1f + vexp(0f - v))) * g[gOff + i];
        }
        for (int i = groups; i < n; i++) {
            float v = x[xOff + i];
            y[yOff + i] = (v / (1.0f + expf(-v))) * g[gOff + i];
        }
    }

    /**
     * {@code ggml_vec_soft_max_f32}: y = exp(x - max), returning the sum. Full groups of 8 use
     * {@link #vexp} and are folded ((0+4)+(2+6)) + ((1+5)+(3+7)) before being added in double.
     */
    public static double softmaxExp(float[] x, int xOff, float[] y, int yOff, int n, float max) {
        double sum = 0;
        int i = 0;
        for (; i + 7 < n; i += 8) {
            int o = yOff + i;
            for (int j = 0; j < 8; j++) y[o + j] = vexp(x[xOff + i + j] - max);
            sum += ((y[o] + y[o + 4]) + (y[o + 2] + y[o + 6])) + ((y[o + 1] + y[o + 5]) + (y[o + 3] + y[o + 7]));
        }
        for (; i < n; i++) {
            float v = expf(x[xOff + i] - max);
            y[yOff + i] = v;
            sum += v;
        }
        return sum;
    }
}
