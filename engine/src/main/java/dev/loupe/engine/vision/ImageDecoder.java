package dev.loupe.engine.vision;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image bytes to {@link RgbImage}, giving the pixels llama.cpp's stb_image gives for the same
 * file wherever stb can read it. JPEG goes through {@link JpegDecoder}, a re-implementation of
 * stb's integer pipeline (ImageIO's libjpeg-style decode differs from stb by a few levels);
 * PNG, BMP, GIF and WebP go through ImageIO (JDK readers, TwelveMonkeys for WebP, which stb
 * lacks) and then {@link RasterConverter}'s stb-compatible sample rules. GIF gives its first
 * frame placed on the logical screen, transparent pixels black, as stb does.
 *
 * <p>Every failure is an {@link IllegalArgumentException} whose message says what is wrong
 * with the bytes. The declared size is checked against the pixel limit from the header,
 * before any pixel memory is allocated. Thread-safe: holds only its limit.
 */
public final class ImageDecoder {
    /** 100 megapixels: a 10000 x 10000 image, 300 MB of RGB. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /** stb_image's own per-side limit. */
    static final int MAX_DIMENSION = 1 << 24;

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels images whose width x height exceeds this are refused */
    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) throw new IllegalArgumentException("pixel limit must be positive, got " + maxPixels);
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public RgbImage decode(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("zero-byte image: there is nothing to decode");
        }
        ImageFormat format = ImageFormat.sniff(data);
        if (format == null) {
            throw new IllegalArgumentException("unrecognised image format (first bytes "
                    + HexFormat.of().formatHex(data, 0, Math.min(data.length, 8))
                    + "); Loupe reads JPEG, PNG, GIF, BMP and WebP");
        }
        if (format == ImageFormat.JPEG) {
            return new JpegDecoder(data, this::checkSize).decode();
        }
        try {
            return decodeWithImageIo(data, format);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Readers signal damage with anything from IIOException to IndexOutOfBounds.
            throw new IllegalArgumentException("corrupt or truncated " + format + " data: " + e.getMessage(), e);
        }
    }

    /** Checks a declared size before anything of that size is allocated. */
    @FunctionalInterface
    interface SizeCheck {
        void check(long width, long height);
    }

    /** Throws unless a {@code width x height} image is within the limits. */
    void checkSize(long width, long height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image declares an empty size " + width + "x" + height);
        }
        if (width > MAX_DIMENSION || height > MAX_DIMENSION || width * height > maxPixels) {
            throw new IllegalArgumentException("image of " + width + "x" + height + " pixels exceeds the limit of "
                    + maxPixels + " pixels (decoding refused before allocating)");
        }
    }

    private RgbImage decodeWithImageIo(byte[] data, ImageFormat format) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException("no ImageIO reader for " + format + " on the classpath");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                checkSize(reader.getWidth(0), reader.getHeight(0));
                if (format == ImageFormat.GIF) {
                    return GifFirstFrame.read(reader, this::checkSize);
                }
                BufferedImage image = reader.read(0);
                return RasterConverter.toRgb(image);
            } finally {
                reader.dispose();
            }
        }
    }
}
