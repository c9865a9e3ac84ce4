package dev.loupe.udf;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A "remote" file system for tests: {@code testremote:///some/path} is the local file
 * {@code /some/path}, but its scheme is not {@code file:}, so Loupe treats it as it treats HDFS or
 * S3 (copies, header reads through Hadoop). Counts the files it opens.
 */
public final class LocalAsRemoteFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "testremote";
    static final AtomicInteger OPENS = new AtomicInteger();

    /** The Hadoop settings that register this file system, as Spark conf keys take them after "spark.hadoop.". */
    public static void register(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", LocalAsRemoteFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    }

    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        OPENS.incrementAndGet();
        return super.open(f, bufferSize);
    }
}
