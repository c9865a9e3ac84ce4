package dev.loupe.job.eval;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * An image's width and height from its header, without decoding its pixels: the size a
 * ground-truth polygon is rasterized in when the dataset does not give it. Like Loupe's decoder,
 * EXIF orientation is not applied (COCO's annotations are in the stored pixels' orientation).
 */
final class ImageHeaders {
    static final StructType SIZE = new StructType().add("width", DataTypes.IntegerType).add("height", DataTypes.IntegerType);

    private ImageHeaders() {}

    /** {width, height}, or null when the bytes are not an image ImageIO can read. */
    static int[] size(byte[] bytes) {
        if (bytes == null || bytes.length == 0) return null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The size of a binary image column as a struct of width and height (null where unreadable). */
    static Column sizeOf(Column image) {
        UserDefinedFunction udf = functions.udf((UDF1<byte[], org.apache.spark.sql.Row>) b -> {
            int[] s = size(b);
            return s == null ? null : RowFactory.create(s[0], s[1]);
        }, SIZE);
        return udf.apply(image);
    }
}
