package dev.loupe.engine.vision;

/**
 * OpenCV's {@code cv2.resize(..., interpolation=cv2.INTER_LANCZOS4)} for 8-bit RGB, pixel for
 * pixel: the Youtu-VL demo enlarges its segmentation crops with it. Each output pixel samples an
 * 8x8 neighbourhood around its centre mapped with half-pixel centres, edges replicated, through
 * OpenCV's normalised Lanczos-4 weights rounded to 11-bit fixed point; a horizontal pass into
 * 32-bit accumulators, then a vertical pass rounded off 22 fractional bits and clamped to
 * 0..255. Like OpenCV, and unlike Pillow, it does not widen the kernel when shrinking.
 *
 * <p>Stateless and thread-safe.
 */
public final class OpenCvLanczos4 {
    private static final int TAPS = 8;
    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;

    private OpenCvLanczos4() {}

    /** {@code src} resized to {@code width x height}. */
    public static RgbImage resize(RgbImage src, int width, int height) {
        if (width < 1 || height < 1 || width > PillowResampler.MAX_SIZE || height > PillowResampler.MAX_SIZE) {
            throw new IllegalArgumentException("resize target " + width + "x" + height + " is outside 1.." + PillowResampler.MAX_SIZE);
        }
        int sw = src.width(), sh = src.height();
        Taps xs = Taps.of(sw, width), ys = Taps.of(sh, height);
        byte[] s = src.rgb();
        // Horizontal pass of every source row (each is used by several output rows).
        int[][] rows = new int[sh][width * 3];
        for (int sy = 0; sy < sh; sy++) {
            int[] row = rows[sy];
            int base = sy * sw * 3;
            for (int dx = 0; dx < width; dx++) {
                for (int c = 0; c < 3; c++) {
                    int acc = 0;
                    for (int k = 0; k < TAPS; k++) acc += (s[base + xs.source[dx * TAPS + k] * 3 + c] & 0xFF) * xs.weight[dx * TAPS + k];
                    row[dx * 3 + c] = acc;
                }
            }
        }
        byte[] out = new byte[3 * width * height];
        for (int dy = 0; dy < height; dy++) {
            int o = dy * width * 3;
            for (int i = 0; i < width * 3; i++) {
                int acc = 0;
                for (int k = 0; k < TAPS; k++) acc += rows[ys.source[dy * TAPS + k]][i] * ys.weight[dy * TAPS + k];
                out[o + i] = (byte) Math.clamp((acc + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS), 0, 255);
            }
        }
        return new RgbImage(width, height, out);
    }

    /** Per output position along one axis: its 8 source positions (replicated at the edges) and their fixed-point weights. */
    private record Taps(int[] source, int[] weight) {
        static Taps of(int sourceSize, int size) {
            double scale = 1.0 / ((double) size / sourceSize);
            int[] source = new int[size * TAPS], weight = new int[size * TAPS];
            float[] coeffs = new float[TAPS];
            for (int d = 0; d < size; d++) {
                float f = (float) ((d + 0.5) * scale - 0.5);
                int first = (int) Math.floor(f);
                f -= first;
                lanczos4(f, coeffs);
                for (int k = 0; k < TAPS; k++) {
                    source[d * TAPS + k] = Math.clamp(first - 3 + k, 0, sourceSize - 1);
                    weight[d * TAPS + k] = (int) Math.clamp(Math.rint(coeffs[k] * COEF_SCALE), Short.MIN_VALUE, Short.MAX_VALUE);
                }
            }
            return new Taps(source, weight);
        }
    }

    private static final double S45 = 0.70710678118654752440084436210485;
    private static final double[][] CS = {{1, 0}, {-S45, -S45}, {0, 1}, {S45, -S45}, {-1, 0}, {S45, S45}, {0, -1}, {-S45, S45}};

    /** OpenCV's {@code interpolateLanczos4}: the 8 weights for a sample {@code x} (0..1) past its left centre, in floats as OpenCV keeps them. */
    static void lanczos4(float x, float[] coeffs) {
        if (x < Math.ulp(1.0f)) { // FLT_EPSILON
            java.util.Arrays.fill(coeffs, 0);
            coeffs[3] = 1;
            return;
        }
        float sum = 0;
        double y0 = -(x + 3) * Math.PI * 0.25, s0 = Math.sin(y0), c0 = Math.cos(y0);
        for (int i = 0; i < TAPS; i++) {
            double y = -(x + 3 - i) * Math.PI * 0.25;
            coeffs[i] = (float) ((CS[i][0] * s0 + CS[i][1] * c0) / (y * y));
            sum += coeffs[i];
        }
        sum = 1.f / sum;
        for (int i = 0; i < TAPS; i++) coeffs[i] *= sum;
    }
}
