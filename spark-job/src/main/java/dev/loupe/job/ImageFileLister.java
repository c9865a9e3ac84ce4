package dev.loupe.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists the image files of {@code --input} (a file, a directory searched recursively, or a glob)
 * on the driver, through Hadoop's FileSystem so that HDFS and S3 work alike.
 *
 * <p>Why not Spark's binaryFile source: Spark's file index drops zero-byte files (SPARK-27291),
 * so an empty image would silently get no output row; here every matching file gets a row and
 * the empty ones say so in {@code error}. Hidden files ({@code .name}, {@code _name}, and files
 * under such directories, e.g. macOS {@code ._x.jpg} or {@code _temporary/}) are skipped, as
 * Spark and Hadoop do.
 */
final class ImageFileLister {
    private ImageFileLister() {}

    /** Fully qualified paths, sorted, so that reruns split the work the same way. */
    static List<String> list(String input, List<String> extensions, Configuration conf) {
        Set<String> wanted = extensions.stream()
                .map(e -> (e.startsWith(".") ? e.substring(1) : e).toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        Path pattern = new Path(input);
        List<String> images = new ArrayList<>();
        try {
            FileSystem fs = pattern.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(pattern);
            if (matches == null) throw new IllegalArgumentException("--input " + input + " does not exist");
            if (matches.length == 0) throw new IllegalArgumentException("--input " + input + " matches no files");
            for (FileStatus match : matches) {
                if (!match.isDirectory()) {
                    images.add(match.getPath().toString()); // named (or globbed) explicitly: taken as is
                    continue;
                }
                // A flat recursive listing: one paged request stream on object stores, not a tree walk.
                RemoteIterator<LocatedFileStatus> files = fs.listFiles(match.getPath(), true);
                while (files.hasNext()) {
                    Path file = files.next().getPath();
                    if (!isHidden(match.getPath(), file) && wanted.contains(extension(file.getName()))) images.add(file.toString());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--input " + input + ": cannot list files: " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("--input " + input + " holds no image files (extensions " + extensions
                    + ", any case; see --image-extensions)");
        }
        images.sort(null);
        return images;
    }

    private static boolean isHidden(Path root, Path file) {
        int rootDepth = root.depth();
        for (Path p = file; p != null && p.depth() > rootDepth; p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith(".") || name.startsWith("_")) return true;
        }
        return false;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
