package dev.loupe.job.coco;

import java.nio.file.Path;

/**
 * One {@code loupe export-coco} run.
 *
 * @param input     the annotation table: the annotate job's output directory or one of its Parquet files (any Hadoop path)
 * @param output    the COCO JSON file to write
 * @param imageRoot file names under this directory are written relative to it, as COCO's are; null keeps the ids as they are
 * @param overwrite replace {@code output} when it exists
 */
public record CocoExportOptions(String input, Path output, Path imageRoot, boolean overwrite) {
    public CocoExportOptions {
        if (input == null || input.isBlank()) throw new IllegalArgumentException("the annotation table (--input) is required");
        if (output == null) throw new IllegalArgumentException("the COCO JSON file to write (--output) is required");
    }
}
