package dev.loupe.engine.vision;

import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
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
 * <p>Like stb, no colour management (ICC profiles, PNG gamma) and no EXIF rotation are
 * applied: the stored samples are the pixels.
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
        if (format == ImageFormat.WEBP) {
            checkRiffLength(data);
        }
        try {
            return decodeWithImageIo(data, format);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Readers signal damage with anything from IIOException to IndexOutOfBounds.
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IllegalArgumentException("corrupt or truncated " + format + " data: " + why, e);
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

    /**
     * The WebP reader fills a cut-off file with made-up pixels instead of failing, so the
     * RIFF container's declared length is checked first.
     */
    private static void checkRiffLength(byte[] data) {
        long declared = ((data[4] & 0xFFL) | (data[5] & 0xFFL) << 8 | (data[6] & 0xFFL) << 16 | (data[7] & 0xFFL) << 24) + 8;
        if (data.length < declared) {
            throw new IllegalArgumentException("truncated WEBP data: the RIFF header declares " + declared
                    + " bytes, only " + data.length + " present");
        }
    }

    private RgbImage decodeWithImageIo(byte[] data, ImageFormat format) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            ImageReader reader = readerFor(format);
            try {
                reader.setInput(in, true, false);
                checkSize(reader.getWidth(0), reader.getHeight(0));
                if (format == ImageFormat.GIF) {
                    return GifFirstFrame.read(reader, this::checkSize);
                }
                return RasterConverter.toRgb(reader.read(0));
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * The WebP reader is created directly: ImageIO's registry scans plugins once, with the
     * context class loader of whichever thread touched it first, and on a Spark executor that
     * loader may not see Loupe's jar. PNG, GIF and BMP readers are built into the JDK.
     */
    private static ImageReader readerFor(ImageFormat format) throws IOException {
        if (format == ImageFormat.WEBP) {
            return new WebPImageReaderSpi().createReaderInstance(null);
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase(java.util.Locale.ROOT));
        if (!readers.hasNext()) {
            throw new IllegalArgumentException("no ImageIO reader for " + format + " in this JVM");
        }
        return readers.next();
    }
}
