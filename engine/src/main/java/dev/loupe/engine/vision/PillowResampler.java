package dev.loupe.engine.vision;

/**
 * Pillow's {@code ImagingResample} for 8-bit RGB, as llama.cpp's {@code img_tool::resize_pillow}
 * ports it: a horizontal pass into an 8-bit intermediate image, then a vertical pass, each
 * accumulating in 32-bit fixed point (22 fractional bits) with a half-unit rounding bias and
 * clipping to 0..255. The intermediate rounding to 8 bits is part of the result, so the two
 * passes cannot be fused without changing pixels.
 *
 * <p>Stateless and thread-safe. Allocates the output, one intermediate image and one row of
 * accumulators per call; nothing per pixel.
 */
public final class PillowResampler {
    static final int MAX_SIZE = 65536;

    private PillowResampler() {
    }

    /** {@code src} resized to {@code width x height}; {@code src} itself when the size is unchanged. */
    public static RgbImage resize(RgbImage src, int width, int height, ResizeFilter filter) {
        if (width < 1 || height < 1 || width > MAX_SIZE || height > MAX_SIZE) {
            throw new IllegalArgumentException("resize target " + width + "x" + height + " is outside 1.." + MAX_SIZE);
        }
        RgbImage out = src;
        if (width != src.width()) {
            out = horizontal(out, ResampleWeights.compute(src.width(), width, filter));
        }
        if (height != src.height()) {
            out = vertical(out, ResampleWeights.compute(src.height(), height, filter));
        }
        return out;
    }

    private static RgbImage horizontal(RgbImage src, ResampleWeights w) {
        int inW = src.width();
        int h = src.height();
        int outW = w.outSize;
        byte[] in = src.rgb();
        byte[] out = new byte[3 * outW * h];
        int[] weights = w.weights;
        int taps = w.taps;
        final int bias = 1 << (ResampleWeights.PRECISION_BITS - 1);
        for (int y = 0; y < h; y++) {
            int inRow = 3 * y * inW;
            int o = 3 * y * outW;
            for (int xx = 0; xx < outW; xx++) {
                int p = inRow + 3 * w.start[xx];
                int k = xx * taps;
                int n = w.count[xx];
                int r = bias, g = bias, b = bias;
                for (int j = 0; j < n; j++, p += 3) {
                    int c = weights[k + j];
                    r += (in[p] & 0xFF) * c;
                    g += (in[p + 1] & 0xFF) * c;
                    b += (in[p + 2] & 0xFF) * c;
                }
                out[o++] = clip8(r);
                out[o++] = clip8(g);
                out[o++] = clip8(b);
            }
        }
        return new RgbImage(outW, h, out);
    }

    private static RgbImage vertical(RgbImage src, ResampleWeights w) {
        int rowLen = 3 * src.width();
        int outH = w.outSize;
        byte[] in = src.rgb();
        byte[] out = new byte[rowLen * outH];
        int[] acc = new int[rowLen];
        final int bias = 1 << (ResampleWeights.PRECISION_BITS - 1);
        for (int yy = 0; yy < outH; yy++) {
            java.util.Arrays.fill(acc, bias);
            int k = yy * w.taps;
            int n = w.count[yy];
            // Row-at-a-time accumulation keeps both rows contiguous, which the JIT vectorises.
            for (int j = 0; j < n; j++) {
                int c = w.weights[k + j];
                int p = (w.start[yy] + j) * rowLen;
                for (int x = 0; x < rowLen; x++) {
                    acc[x] += (in[p + x] & 0xFF) * c;
                }
            }
            int o = yy * rowLen;
            for (int x = 0; x < rowLen; x++) {
                out[o + x] = clip8(acc[x]);
            }
        }
        return new RgbImage(src.width(), outH, out);
    }

    private static byte clip8(int acc) {
        int v = acc >> ResampleWeights.PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
