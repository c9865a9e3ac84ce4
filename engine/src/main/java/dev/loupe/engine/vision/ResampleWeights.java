package dev.loupe.engine.vision;

/**
 * Fixed-point weights of one resampling direction, computed once per (input size, output
 * size, filter) exactly as Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc}:
 * weights in double, normalised to sum 1, then scaled by {@code 2^22} and rounded half away
 * from zero. Output sample {@code i} reads input samples {@code start[i] .. start[i]+count[i]-1}
 * with weights {@code weights[i*taps .. i*taps+count[i]-1]}.
 */
final class ResampleWeights {
    static final int PRECISION_BITS = 32 - 8 - 2;

    final int outSize;
    final int taps;
    final int[] start;
    final int[] count;
    final int[] weights;

    private ResampleWeights(int outSize, int taps) {
        this.outSize = outSize;
        this.taps = taps;
        this.start = new int[outSize];
        this.count = new int[outSize];
        this.weights = new int[outSize * taps];
    }

    static ResampleWeights compute(int inSize, int outSize, ResizeFilter filter) {
        double scale = (double) inSize / outSize;
        // Downscaling widens the kernel so every input pixel contributes (antialiasing).
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        ResampleWeights w = new ResampleWeights(outSize, taps);
        double[] k = new double[taps];
        double invFilterScale = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            // (int) truncates toward zero like the C cast Pillow relies on.
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5));
            int n = xmax - xmin;
            double sum = 0.0;
            for (int j = 0; j < n; j++) {
                double v = filter.weight((j + xmin - center + 0.5) * invFilterScale);
                k[j] = v;
                sum += v;
            }
            int base = xx * taps;
            for (int j = 0; j < n; j++) {
                double v = sum != 0.0 ? k[j] / sum : k[j];
                double scaled = v * (1 << PRECISION_BITS);
                w.weights[base + j] = (int) (v < 0 ? scaled - 0.5 : scaled + 0.5);
            }
            w.start[xx] = xmin;
            w.count[xx] = n;
        }
        return w;
    }
}
