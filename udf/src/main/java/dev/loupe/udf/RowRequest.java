package dev.loupe.udf;

import java.util.List;

/**
 * What one row asks, as its columns give it, before anything is checked: the task's name, the
 * prompt, the categories, the candidate labels and the row's own image limits. One value from the
 * partition's columns (or a SQL function's arguments) to {@link RowAnnotator}, so that a new
 * request column adds a field, not an argument everywhere; {@link RowAnnotator#start} turns it into
 * the engine's {@link dev.loupe.engine.task.TaskRequest} and {@link dev.loupe.engine.vlm.ImageLimits}.
 * The row's id and image stay apart: they say which image, not what is asked of it.
 *
 * @param task           the task's name, or null for caption
 * @param prompt         the row's prompt, or null
 * @param categories     the categories the row names, or null for none (a task that takes none refuses any)
 * @param labels         the classify task's candidate labels for this row, or null (rows of other tasks ignore them)
 * @param maxLongestEdge the row's own idefics3 resolution cap in pixels (below the job's); null or 0 for none
 * @param maxImageTokens the row's own image-token cap for dynamic-resolution models; null or 0 for none
 */
record RowRequest(String task, String prompt, List<String> categories, List<String> labels, Integer maxLongestEdge,
                  Integer maxImageTokens) {

    /** A row with a task and a prompt only (the SQL functions' rows). */
    static RowRequest of(String task, String prompt) {
        return new RowRequest(task, prompt, null, null, null, null);
    }
}
