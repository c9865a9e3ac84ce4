package dev.loupe.engine.vision;

/**
 * One preprocessed image of a dynamic-resolution family: {@code width x height} pixels
 * (multiples of the encoder's patch times merge size), planar CHW, normalised.
 */
public record DynamicImage(int width, int height, float[] chw) {
    public DynamicImage {
        if (chw.length != 3 * width * height) {
            throw new IllegalArgumentException("expected " + (3 * width * height) + " values for " + width + "x" + height + ", got " + chw.length);
        }
    }
}
