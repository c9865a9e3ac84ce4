package dev.loupe.job;

import java.util.List;
import org.apache.spark.sql.SaveMode;

/**
 * One run of the annotate job, as the command line (or a test) describes it.
 *
 * @param input           image directory or glob, or a Parquet / JSON Lines table
 * @param format          what the input holds; null to detect it
 * @param imageColumn     table input: column holding image bytes or an image path
 * @param idColumn        table input: column to write as image_id; null for the path, or sha256 of the bytes
 * @param taskColumn      table input: per-row task; null to use {@code task} for every row
 * @param promptColumn    table input: per-row prompt; null to use {@code prompt} for every row
 * @param categoriesColumn table input: per-row categories (comma-separated string or array of strings); null to use
 *                        {@code categories} for every row
 * @param labelsColumn    table input: per-row candidate labels for classify (an array of strings, or a comma-separated
 *                        string); null to use {@code labels} for every row
 * @param maxLongestEdgeColumn table input: per-row idefics3 resolution cap (integer pixels, a multiple of
 *                        the tile size; null or 0: no cap of the row's own), below {@code maxLongestEdge}; null for none
 * @param maxImageTokensColumn table input: per-row image-token cap for dynamic-resolution models (integer;
 *                        null or 0: no cap of the row's own), below {@code maxImageTokens}; null for none
 * @param imageExtensions image input: file extensions to read (others, e.g. README files, are skipped)
 * @param output          Parquet directory to write
 * @param mode            what to do when the output exists (without {@code resume})
 * @param resume          keep the output's rows and annotate only the images whose id is not in it
 * @param model           the model and how it runs (files, generation limits, numerics, batching, readout, prompt book)
 * @param task            task for rows without one, or several comma-separated ({@link #tasks()})
 * @param prompt          prompt for rows without one; null for the task's default
 * @param categories      categories for rows without their own (detect, count, point, semantic); null or empty for none
 * @param labels          classify: candidate labels for rows without their own (--labels, then --labels-file's lines); empty for none
 * @param partitions      repartition the input into this many partitions; null to keep Spark's split
 * @param show            print this many result rows at the end
 */
public record AnnotateOptions(String input, InputFormat format, String imageColumn, String idColumn, String taskColumn,
                              String promptColumn, String categoriesColumn, String labelsColumn, String maxLongestEdgeColumn,
                              String maxImageTokensColumn, List<String> imageExtensions, String output, WriteMode mode, boolean resume,
                              ModelSettings model, String task, String prompt, List<String> categories, List<String> labels,
                              Integer partitions, int show) {

    /** The model settings, as the eval job takes them too. */
    ModelSettings modelSettings() {
        return model;
    }

    /** How Spark writes: append when resuming, else as {@code --mode} says. */
    SaveMode saveMode() {
        return resume ? SaveMode.Append : mode.saveMode;
    }

    /**
     * The tasks of every row: {@code task} is one name or several, comma-separated ({@code --tasks
     * caption,detect,count}: one output row per image and task), trimmed and lower-cased as the
     * requests carry them ({@link ImageInputs#explodeTasks}), blank ones and repeats dropped.
     */
    List<String> tasks() {
        List<String> tasks = java.util.Arrays.stream(task.split(",")).map(t -> t.strip().toLowerCase(java.util.Locale.ROOT))
                .filter(t -> !t.isEmpty()).distinct().toList();
        return tasks.isEmpty() ? List.of("caption") : tasks;
    }

    public static final List<String> DEFAULT_IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "webp", "bmp", "gif");

    public AnnotateOptions {
        require(input, "--input");
        require(output, "--output");
        java.util.Objects.requireNonNull(model, "model settings");
        if (imageColumn == null || imageColumn.isBlank()) imageColumn = "image";
        if (imageExtensions == null || imageExtensions.isEmpty()) imageExtensions = DEFAULT_IMAGE_EXTENSIONS;
        if (mode == null) mode = WriteMode.ERROR;
        if (resume && mode == WriteMode.OVERWRITE) {
            throw new IllegalArgumentException("--resume keeps what --output holds; it cannot be combined with --mode overwrite, which deletes it");
        }
        if (task == null || task.isBlank()) task = "caption";
        categories = categories == null ? List.of() : categories.stream().map(String::strip).filter(c -> !c.isEmpty()).toList();
        labels = labels == null ? List.of() : List.copyOf(labels);
        if (partitions != null && partitions < 1) throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        if (show < 0) throw new IllegalArgumentException("--show must be >= 0, got " + show);
    }

    /**
     * The job's candidate labels: those of {@code --labels} (comma-separated), then the lines of
     * {@code --labels-file} (one label per line, commas allowed), read here on the driver.
     */
    static List<String> labels(String commaSeparated, java.nio.file.Path file) {
        List<String> all = new java.util.ArrayList<>();
        if (commaSeparated != null) all.addAll(List.of(commaSeparated.split(",")));
        if (file != null) {
            try {
                all.addAll(dev.loupe.engine.task.LabelCandidates.linesOf(java.nio.file.Files.readString(file)));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("--labels-file " + file + ": no such file");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("--labels-file " + file + ": " + e.getMessage(), e);
            }
        }
        return all.stream().map(String::strip).filter(l -> !l.isEmpty()).distinct().toList();
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(option + " is required");
    }
}
