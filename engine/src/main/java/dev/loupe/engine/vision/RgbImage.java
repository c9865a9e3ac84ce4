package dev.loupe.engine.vision;

/**
 * An 8-bit RGB image, interleaved ({@code R,G,B,R,G,B,...}) and row-major: the byte of channel
 * {@code c} at {@code (x, y)} is {@code rgb[3 * (y * width + x) + c]}. This is the layout
 * llama.cpp's {@code clip_image_u8} uses, so every pixel kernel can be compared byte for byte.
 *
 * <p>The array is shared, not copied: kernels hand their output buffers over without a copy,
 * and callers must not mutate an image once another component holds it.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("RGB buffer of " + (rgb == null ? "null" : rgb.length + " bytes")
                    + " does not fit a " + width + "x" + height + " image (" + 3L * width * height + " bytes)");
        }
    }

    /** A black image, as llama.cpp fills letterbox canvases. */
    public static RgbImage black(int width, int height) {
        return new RgbImage(width, height, new byte[Math.multiplyExact(3, Math.multiplyExact(width, height))]);
    }

    /** Channel {@code c} of pixel {@code (x, y)} as 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[3 * (y * width + x) + c] & 0xFF;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
