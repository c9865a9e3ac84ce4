package dev.loupe.engine.kernels;

/**
 * GELU (tanh approximation) as ggml's CPU backend computes it: the input is rounded to fp16
 * and looked up in a table of fp16 results, except outside [-10, 10] where it is 0 or x.
 * Both the rounding of the input and of the output matter for parity.
 */
public final class Gelu {
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float COEF_A = 0.044715f;
    private static final float[] TABLE = new float[1 << 16];

    static {
        for (int i = 0; i < TABLE.length; i++) {
            float x = Float.float16ToFloat((short) i);
            // GCC contracts 1 + a*x*x into one FMA in ggml's CPU backend; the table depends on it
            // (checked entry by entry against libggml-cpu-haswell's ggml_table_gelu_f16).
            float inner = (SQRT_2_OVER_PI * x) * Math.fma(COEF_A * x, x, 1.0f);
            float g = 0.5f * x * (1.0f + (float) Math.tanh(inner));
            TABLE[i] = Layouts.roundF16(g);
        }
    }

    private Gelu() {}

    public static float apply(float x) {
        if (x <= -10.0f) return 0.0f;
        if (x >= 10.0f) return x;
        return TABLE[Float.floatToFloat16(x) & 0xffff];
    }

    public static void applyInPlace(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) x[i] = apply(x[i]);
    }
}
