package dev.loupe.job.report;

import java.nio.file.Path;

/**
 * One {@code loupe report --evaluation} run.
 *
 * @param evaluation the eval job's --output directory (samples/ and summary.json; any Hadoop path)
 * @param output     the HTML file to write
 * @param worst      how many of the worst samples to show
 * @param imageRoot  where image ids that are relative paths (COCO file names) are looked up; null for none
 * @param maxEdge    embedded images are scaled down to at most this many pixels on their longest side
 * @param overwrite  replace {@code output} when it exists
 */
public record EvaluationReportOptions(String evaluation, Path output, int worst, Path imageRoot, int maxEdge, boolean overwrite) {
    public static final int DEFAULT_WORST = 12;

    public EvaluationReportOptions {
        if (evaluation == null || evaluation.isBlank()) throw new IllegalArgumentException("the eval job's output (--evaluation) is required");
        if (output == null) throw new IllegalArgumentException("the HTML file to write (--output) is required");
        if (worst < 1) throw new IllegalArgumentException("--worst must be at least 1, got " + worst);
        if (maxEdge < 16) throw new IllegalArgumentException("--max-edge must be at least 16 pixels, got " + maxEdge);
    }
}
