package dev.loupe.engine.vision;

/**
 * The three Pillow filters llama.cpp's {@code img_tool::resize_pillow} offers, with Pillow's
 * definitions (the bicubic is Pillow's {@code a = -0.5}, not PyTorch's {@code -0.75}).
 * Evaluated in double precision as Pillow does, since the weights are rounded to fixed point
 * only after normalisation.
 */
public enum ResizeFilter {
    BILINEAR(1.0) {
        @Override
        double weight(double x) {
            double ax = Math.abs(x);
            return ax < 1.0 ? 1.0 - ax : 0.0;
        }
    },
    BICUBIC(2.0) {
        @Override
        double weight(double x) {
            final double a = -0.5;
            double ax = Math.abs(x);
            if (ax < 1.0) return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0;
            if (ax < 2.0) return (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a;
            return 0.0;
        }
    },
    LANCZOS(3.0) {
        @Override
        double weight(double x) {
            // Pillow's window is half-open: -3 <= x < 3.
            if (x < -3.0 || x >= 3.0) return 0.0;
            return sinc(x) * sinc(x / 3.0);
        }
    };

    private final double support;

    ResizeFilter(double support) {
        this.support = support;
    }

    /** Half-width of the kernel at scale 1, in source pixels. */
    public double support() {
        return support;
    }

    abstract double weight(double x);

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
