package dev.loupe.job.report;

import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.PillowResampler;
import dev.loupe.engine.vision.ResizeFilter;
import dev.loupe.engine.vision.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Base64;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Finds the image of an annotation row by its {@code image_id}, decodes it with the engine's
 * decoder — the pixels and orientation the model saw, so overlays land where the model put them —
 * scales it down to at most {@code maxEdge} pixels (Pillow's antialiased bicubic) and embeds it
 * as a JPEG {@code data:} URI: a page of dozens of photos stays a few megabytes.
 *
 * <p>Ids are paths as the annotate job writes them ({@code file:} URIs, absolute paths, any Hadoop
 * URI); a relative id (an {@code --id-column} value such as a COCO file name) is looked up under
 * {@code imageRoot}. Ids that are no path (content hashes) cannot be found: the figure says so.
 */
public final class ImageEmbedder {
    private static final float JPEG_QUALITY = 0.85f;

    private final Configuration hadoop;
    private final java.nio.file.Path imageRoot;
    private final int maxEdge;
    private final ImageDecoder decoder = new ImageDecoder();

    public ImageEmbedder(Configuration hadoop, java.nio.file.Path imageRoot, int maxEdge) {
        this.hadoop = hadoop;
        this.imageRoot = imageRoot;
        this.maxEdge = maxEdge;
    }

    /** The image of {@code imageId}; an IllegalArgumentException says why there is none. */
    public EmbeddedImage embed(String imageId) {
        if (imageId == null) throw new IllegalArgumentException("the row has no image_id");
        Path location = locate(imageId);
        byte[] bytes = read(location);
        RgbImage original;
        try {
            original = decoder.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(location + ": " + e.getMessage(), e);
        }
        RgbImage shown = original;
        int longest = Math.max(original.width(), original.height());
        if (longest > maxEdge) {
            double s = (double) maxEdge / longest;
            shown = PillowResampler.resize(original, Math.max(1, (int) Math.round(original.width() * s)),
                    Math.max(1, (int) Math.round(original.height() * s)), ResizeFilter.BICUBIC);
        }
        return new EmbeddedImage("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg(shown)),
                shown.width(), shown.height(), original.width(), original.height());
    }

    private Path locate(String imageId) {
        if (imageId.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            try {
                return new Path(URI.create(imageId)); // the job's ids of image directories are URIs, %-escaped
            } catch (IllegalArgumentException notEscaped) {
                return new Path(imageId);
            }
        }
        java.nio.file.Path p = java.nio.file.Path.of(imageId);
        if (!p.isAbsolute()) {
            if (imageRoot == null) throw new IllegalArgumentException("image_id " + imageId + " is no path to an image (pass --image-root if it is a file name)");
            p = imageRoot.resolve(p);
        }
        return new Path(p.toAbsolutePath().toUri());
    }

    private byte[] read(Path location) {
        try {
            FileSystem fs = location.getFileSystem(hadoop);
            try (FSDataInputStream in = fs.open(location)) {
                return ((InputStream) in).readAllBytes();
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("no image at " + location, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + location + ": " + e.getMessage(), e);
        }
    }

    private static byte[] jpeg(RgbImage image) {
        BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        int[] pixels = new int[image.width() * image.height()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (rgb[3 * i] & 0xFF) << 16 | (rgb[3 * i + 1] & 0xFF) << 8 | (rgb[3 * i + 2] & 0xFF);
        }
        buffered.setRGB(0, 0, image.width(), image.height(), pixels, 0, image.width());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.setOutput(out);
            writer.write(null, new IIOImage(buffered, null, null), param);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a JPEG in memory", e);
        } finally {
            writer.dispose();
        }
    }
}
