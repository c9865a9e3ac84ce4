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
 * <p>Each function's work takes its image as a supplier ({@link OfImage}, {@link OfImageAnd}): the
 * bytes the SQL function was given, or, for its {@code _file} variant ({@link ImageFiles#byPath}),
 * the file read when the row runs, so that one class serves both.
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
     * the row's error, under {@code task}, like any other bad input, an image that cannot be read too.
     */
    final Row run(Supplier<byte[]> image, String task, Supplier<RowRequest> request) {
        return annotator.annotateMade(image, task, request);
    }

    /** A per-task function of the image alone: {@code function} is the SQL function's name (for messages). */
    @FunctionalInterface
    interface OfImage extends Serializable {
        Row ask(String function, Supplier<byte[]> image);
    }

    /** A per-task function of the image and one argument (categories, labels, an expression...). */
    @FunctionalInterface
    interface OfImageAnd<A> extends Serializable {
        Row ask(String function, Supplier<byte[]> image, A argument);
    }
}
