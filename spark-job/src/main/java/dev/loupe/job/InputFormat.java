package dev.loupe.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** What {@code --input} holds: image files, or a table whose rows name or contain images. */
public enum InputFormat {
    /** Image files (a directory, searched recursively, or a glob), read with Spark's binaryFile source. */
    IMAGES,
    /** A Parquet table with an image column of bytes or paths. */
    PARQUET,
    /** A JSON Lines table with an image column of paths. */
    JSON;

    /**
     * Guesses from the input's name and, for a directory, from the files in it: *.parquet files
     * make a Parquet table, *.json / *.jsonl / *.ndjson a JSON table, anything else images.
     */
    public static InputFormat detect(String input, Configuration hadoopConf) {
        InputFormat byName = byExtension(input);
        if (byName != null) return byName;
        Path path = new Path(input);
        try {
            FileSystem fs = path.getFileSystem(hadoopConf);
            if (!fs.exists(path) || !fs.getFileStatus(path).isDirectory()) return IMAGES;
            for (FileStatus f : fs.listStatus(path)) {
                InputFormat inside = byExtension(f.getPath().getName());
                if (inside != null) return inside;
            }
            return IMAGES;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into --input " + input, e);
        }
    }

    private static InputFormat byExtension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".parquet")) return PARQUET;
        if (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) return JSON;
        return null;
    }
}
