package dev.loupe.udf;

import java.io.Serializable;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;

/**
 * What the per-task SQL functions ({@code loupe_detect}, {@code loupe_classify}, ...) share: each
 * turns its arguments into the one {@link RowRequest} that {@code loupe_annotate} (or the job) makes
 * for the same task, and runs it on the same {@link RowAnnotator} (executor model cache, per-row
 * errors), so a function's row is exactly loupe_annotate's for the equivalent request.
 *
 * <p>The no-arg constructors of the subclasses are for PySpark's {@code registerJavaFunction}: the
 * settings then come from {@code spark.loupe.*} when the function runs, as for {@link AnnotateUdf}.
 */
abstract class TaskUdf implements Serializable {
    private final RowAnnotator annotator;

    TaskUdf(AnnotatorSpec spec) {
        this.annotator = new RowAnnotator(spec);
    }

    /**
     * The row for {@code request}; an argument that makes no request (labels of the wrong type) is
     * the row's error, under {@code task}, like any other bad input.
     */
    final Row annotate(byte[] image, String task, Supplier<RowRequest> request) {
        return annotator.annotateMade(image, task, request);
    }
}
