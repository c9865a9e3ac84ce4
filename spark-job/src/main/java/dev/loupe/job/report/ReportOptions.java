package dev.loupe.job.report;

import java.nio.file.Path;

/**
 * One {@code loupe report} run.
 *
 * @param input      the annotation table (the annotate job's --output directory or one Parquet file; any Hadoop path)
 * @param output     the HTML file to write
 * @param summary    the job summary JSON; null for {@code _loupe_summary.json} in the table's directory, if there is one
 * @param sample     how many rows to show
 * @param seed       the sampling seed: the same table and seed give the same rows
 * @param onlyErrors show only rows with an {@code error} or a {@code parse_error}
 * @param imageRoot  where image ids that are relative paths (file names) are looked up; null for none
 * @param maxEdge    embedded images are scaled down to at most this many pixels on their longest side
 * @param overwrite  replace {@code output} when it exists
 */
public record ReportOptions(String input, Path output, String summary, int sample, long seed, boolean onlyErrors,
                            Path imageRoot, int maxEdge, boolean overwrite) {
    public ReportOptions {
        if (input == null || input.isBlank()) throw new IllegalArgumentException("the annotation table (--input) is required");
        if (output == null) throw new IllegalArgumentException("the HTML file to write (--output) is required");
        if (sample < 1) throw new IllegalArgumentException("--sample must be at least 1, got " + sample);
        if (maxEdge < 16) throw new IllegalArgumentException("--max-edge must be at least 16 pixels, got " + maxEdge);
    }
}
