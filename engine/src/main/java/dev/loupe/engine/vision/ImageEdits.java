package dev.loupe.engine.vision;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The few image edits the Youtu-VL demo makes between passes (crop, a one-pixel rectangle as a
 * visual prompt, JPEG re-encoding), each as OpenCV makes it. Stateless; every edit returns a new
 * image.
 */
public final class ImageEdits {
    /** OpenCV's {@code imencode(".jpg")} quality when none is given. */
    public static final int OPENCV_JPEG_QUALITY = 95;

    private ImageEdits() {}

    /** The pixels {@code [x0, x1) x [y0, y1)}, as numpy slicing {@code img[y0:y1, x0:x1]} takes them (bounds within the image). */
    public static RgbImage crop(RgbImage src, int x0, int y0, int x1, int y1) {
        if (x0 < 0 || y0 < 0 || x1 > src.width() || y1 > src.height() || x1 <= x0 || y1 <= y0) {
            throw new IllegalArgumentException("crop [" + x0 + ", " + x1 + ") x [" + y0 + ", " + y1 + ") is empty or outside the "
                    + src.width() + "x" + src.height() + " image");
        }
        int w = x1 - x0, h = y1 - y0;
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) System.arraycopy(src.rgb(), 3 * ((y0 + y) * src.width() + x0), out, 3 * y * w, 3 * w);
        return new RgbImage(w, h, out);
    }

    /**
     * {@code src} with the outline of the rectangle from corner (x0, y0) to corner (x1, y1), both
     * inclusive, one pixel wide, as {@code cv2.rectangle(..., thickness=1)} draws it; parts
     * outside the image are clipped.
     */
    public static RgbImage outline(RgbImage src, int x0, int y0, int x1, int y1, int rgb) {
        byte[] out = src.rgb().clone();
        int left = Math.min(x0, x1), right = Math.max(x0, x1), top = Math.min(y0, y1), bottom = Math.max(y0, y1);
        for (int x = left; x <= right; x++) {
            put(out, src.width(), src.height(), x, top, rgb);
            put(out, src.width(), src.height(), x, bottom, rgb);
        }
        for (int y = top; y <= bottom; y++) {
            put(out, src.width(), src.height(), left, y, rgb);
            put(out, src.width(), src.height(), right, y, rgb);
        }
        return new RgbImage(src.width(), src.height(), out);
    }

    private static void put(byte[] rgb, int width, int height, int x, int y, int color) {
        if (x < 0 || y < 0 || x >= width || y >= height) return;
        int o = 3 * (y * width + x);
        rgb[o] = (byte) (color >> 16);
        rgb[o + 1] = (byte) (color >> 8);
        rgb[o + 2] = (byte) color;
    }

    /**
     * The image as a baseline JPEG of the given quality (1..100), encoded by the JDK's codec:
     * the demo sends its crops through {@code cv2.imencode(".jpg")} (libjpeg, 4:2:0, quality 95);
     * the JDK's encoder makes a file of the same kind, not the same bytes.
     */
    public static byte[] jpeg(RgbImage image, int quality) {
        BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[image.width()];
        byte[] rgb = image.rgb();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int o = 3 * (y * image.width() + x);
                row[x] = (rgb[o] & 0xFF) << 16 | (rgb[o + 1] & 0xFF) << 8 | rgb[o + 2] & 0xFF;
            }
            buffered.setRGB(0, y, image.width(), 1, row, 0, image.width());
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); var out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.setOutput(out);
            writer.write(null, new IIOImage(buffered, null, null), param);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed", e);
        } finally {
            writer.dispose();
        }
    }
}
