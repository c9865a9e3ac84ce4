package dev.loupe.udf;

import java.util.List;

/**
 * What one row asks, as its columns give it, before anything is checked: the task's name, the
 * prompt, the categories and the row's own image limits. One value from the partition's columns
 * to {@link RowAnnotator}, so that a new request column adds a field, not an argument everywhere.
 *
 * @param task           the task's name, or null for caption
 * @param prompt         the row's prompt, or null
 * @param categories     the categories the row names, or null for none
 * @param maxLongestEdge the row's own idefics3 resolution cap in pixels (below the job's); null or 0 for none
 * @param maxImageTokens the row's own image-token cap for dynamic-resolution models; null or 0 for none
 */
record RowRequest(String task, String prompt, List<String> categories, Integer maxLongestEdge, Integer maxImageTokens) {

    /** A row with a task and a prompt only (the SQL functions' rows). */
    static RowRequest of(String task, String prompt) {
        return new RowRequest(task, prompt, null, null, null);
    }
}
