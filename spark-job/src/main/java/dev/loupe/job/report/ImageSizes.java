package dev.loupe.job.report;

import dev.loupe.job.annotations.AnnotationTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Image sizes the eval job's output knows besides its samples, which have none: a model run keeps
 * its annotate rows in {@code OUTPUT/ground} and {@code OUTPUT/segment}, one per sample (the
 * sample id as the row's {@code image_id}) with the decoded image's width and height. Only those
 * three columns are read. An output scored from {@code --predictions} has no such rows.
 */
final class ImageSizes {
    static final List<String> RUN_DIRECTORIES = List.of("ground", "segment");

    private ImageSizes() {}

    /** Width and height by sample id, for the {@code wanted} samples that the run's annotate rows have. */
    static Map<String, int[]> of(Path evalOutput, Configuration hadoop, Set<String> wanted) {
        Map<String, int[]> sizes = new HashMap<>();
        if (wanted.isEmpty()) return sizes;
        for (String name : RUN_DIRECTORIES) {
            Path dir = new Path(evalOutput, name);
            if (!exists(dir, hadoop)) continue;
            AnnotationTable.open(dir.toString()).read(List.of("image_id", "image_width", "image_height"), r -> {
                if (r.hasSize() && wanted.contains(r.imageId())) sizes.putIfAbsent(r.imageId(), new int[] {r.imageWidth(), r.imageHeight()});
            });
        }
        return sizes;
    }

    private static boolean exists(Path dir, Configuration hadoop) {
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            return fs.exists(dir) && fs.getFileStatus(dir).isDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into " + dir + ": " + e.getMessage(), e);
        }
    }
}
