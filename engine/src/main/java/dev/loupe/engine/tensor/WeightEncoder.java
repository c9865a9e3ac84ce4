package dev.loupe.engine.tensor;

import dev.loupe.engine.kernels.Layouts;

/**
 * Encodes rows of float weights in a GGML type, as ggml's reference quantizers do
 * ({@code quantize_row_q8_0_ref}, which llama-quantize and gguf-py use for weights: d = amax/127
 * stored as fp16, values times 1/d rounded half away from zero; F16 and BF16 round to nearest
 * even). make-model and merge write their weights with it.
 */
public final class WeightEncoder {
    private WeightEncoder() {}

    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0 -> true;
            default -> false;
        };
    }

    /** Writes {@code n} values from {@code x} to {@code out} (sized {@code type.bytesFor(n)}). */
    public static void encode(GgmlType type, float[] x, int n, byte[] out) {
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) putInt(out, 4 * i, Float.floatToRawIntBits(x[i])); }
            case F16 -> { for (int i = 0; i < n; i++) putShort(out, 2 * i, Float.floatToFloat16(x[i])); }
            case BF16 -> { for (int i = 0; i < n; i++) putShort(out, 2 * i, Layouts.floatToBf16(x[i])); }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
                    float d = amax / 127f;
                    float id = d != 0 ? 1f / d : 0f;
                    putShort(out, 34 * b, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) out[34 * b + 2 + j] = (byte) roundHalfAwayFromZero(x[32 * b + j] * id);
                }
            }
            default -> throw new IllegalArgumentException("cannot write " + type + " weights yet (F32, F16, BF16, Q8_0)");
        }
    }

    /** C's roundf; Math.round rounds -2.5 to -2 where ggml gets -3. */
    private static int roundHalfAwayFromZero(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    private static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int o, int v) {
        putShort(b, o, (short) v);
        putShort(b, o + 2, (short) (v >>> 16));
    }
}
