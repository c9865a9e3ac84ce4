package dev.loupe.udf;

import java.util.List;
import java.util.function.Supplier;

/**
 * One row's request as the job's partitions (or a SQL function) give it: a single value, so that
 * a new per-row input is a field here rather than one more argument of {@link RowAnnotator#start}.
 *
 * @param rowId          the row's image id, or null when the caller has none (the SQL functions)
 * @param image          reads the image's bytes (a path is read only when the row is started)
 * @param task           the task's name as the row gives it (null: caption)
 * @param prompt         the row's prompt, or null for the task's default
 * @param maxLongestEdge the row's own idefics3 resolution cap in pixels (below the job's); null or 0 for none
 * @param maxImageTokens the row's own image-token cap for dynamic-resolution models; null or 0 for none
 * @param labels         the classify task's candidate labels for this row, or null (other tasks ignore them)
 */
record RowRequest(String rowId, Supplier<byte[]> image, String task, String prompt, Integer maxLongestEdge, Integer maxImageTokens,
                  List<String> labels) {

    /** A request of the SQL functions: no id, no per-row limits or labels. */
    static RowRequest of(Supplier<byte[]> image, String task, String prompt) {
        return new RowRequest(null, image, task, prompt, null, null, null);
    }
}
