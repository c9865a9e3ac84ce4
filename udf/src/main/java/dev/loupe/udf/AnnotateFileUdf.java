package dev.loupe.udf;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;

/**
 * {@code loupe_annotate_file(path STRING, task STRING, prompt STRING) -> STRUCT}: like
 * {@link AnnotateUdf}, for tables that hold image paths (any Hadoop file system) instead of bytes.
 * A file that cannot be read is that row's error.
 */
public final class AnnotateFileUdf implements UDF3<String, String, String, Row> {
    private final RowAnnotator annotator;

    public AnnotateFileUdf() {
        this(null);
    }

    public AnnotateFileUdf(AnnotatorSpec spec) {
        this.annotator = new RowAnnotator(spec);
    }

    @Override
    public Row call(String path, String task, String prompt) {
        return annotator.annotateFile(path, task, prompt);
    }
}
