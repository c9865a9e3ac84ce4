package dev.loupe.udf;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;

/**
 * Reads an image by path through Hadoop's FileSystem, so a table's path column may point at
 * local files, HDFS or S3 alike, with the job's {@code spark.hadoop.*} settings; and makes a
 * per-task SQL function of an image's bytes into its {@code _file} variant, which takes the path
 * ({@link #byPath}).
 */
public final class ImageFiles {
    /** Java arrays stop a little short of 2^31; larger files would fail with an OutOfMemoryError. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;
    private static volatile Configuration hadoopConf;

    private ImageFiles() {}

    /** The file's bytes; a missing, unreadable or oversized file is the row's problem, named in the message. */
    public static byte[] read(String path) {
        if (path == null || path.isBlank()) throw new IllegalArgumentException("no image path (null or blank)");
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf());
            FileStatus status = fs.getFileStatus(p);
            if (status.isDirectory()) throw new IllegalArgumentException("cannot read image " + path + ": it is a directory");
            if (status.getLen() > MAX_BYTES) {
                throw new IllegalArgumentException("cannot read image " + path + ": " + status.getLen() + " bytes is too large");
            }
            try (FSDataInputStream in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (IOException | IllegalStateException e) {
            throw new IllegalArgumentException("cannot read image " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code function(path STRING)}: {@code bytes}' row for the image at the path, read when the
     * row runs (after its arguments are checked), so its row equals the bytes function's for the
     * same image, and a path that cannot be read is the row's error, naming the path.
     */
    static UDF1<String, Row> byPath(String function, TaskUdf.OfImage bytes) {
        return path -> bytes.ask(function, () -> read(path));
    }

    /** {@code function(path STRING, argument)}: as {@link #byPath(String, TaskUdf.OfImage)}, with the function's argument. */
    static <A> UDF2<String, A, Row> byPath(String function, TaskUdf.OfImageAnd<A> bytes) {
        return (path, argument) -> bytes.ask(function, () -> read(path), argument);
    }

    private static Configuration conf() {
        Configuration c = hadoopConf;
        if (c == null) {
            hadoopConf = c = HadoopConfs.current();
        }
        return c;
    }
}
