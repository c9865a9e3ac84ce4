package dev.loupe.job.coco;

import java.nio.file.Path;

/**
 * One {@code loupe import-coco} run.
 *
 * @param instances the COCO JSON whose {@code images} list the dataset (an instances, captions or keypoints file)
 * @param imageDir  the directory COCO's {@code file_name}s are relative to
 * @param output    the Parquet file to write (schemas/image-table.avsc)
 * @param paths     write each image's absolute path ({@code image_path}) instead of its bytes ({@code image})
 * @param overwrite replace {@code output} when it exists
 */
public record CocoImportOptions(Path instances, Path imageDir, Path output, boolean paths, boolean overwrite) {
    public CocoImportOptions {
        if (instances == null) throw new IllegalArgumentException("the COCO JSON (--instances) is required");
        if (imageDir == null) throw new IllegalArgumentException("the image directory (--images) is required");
        if (output == null) throw new IllegalArgumentException("the Parquet file to write (--output) is required");
    }
}
