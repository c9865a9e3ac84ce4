package dev.loupe.udf;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF3;

/**
 * {@code loupe_annotate(image BINARY, task STRING, prompt STRING) -> STRUCT} (see
 * {@link AnnotationSchema#resultType()}). A null or blank task means caption; a null prompt means
 * the task's default prompt.
 *
 * <p>The no-arg constructor is for PySpark's {@code spark.udf.registerJavaFunction}: the instance
 * then reads {@code spark.loupe.model}, {@code spark.loupe.mmproj}, ... from the Spark conf when
 * it runs. Java and Scala callers use {@link LoupeUdfs#register}, which fixes them up front.
 */
public final class AnnotateUdf implements UDF3<byte[], String, String, Row> {
    private final RowAnnotator annotator;

    public AnnotateUdf() {
        this(null);
    }

    public AnnotateUdf(AnnotatorSpec spec) {
        this.annotator = new RowAnnotator(spec);
    }

    @Override
    public Row call(byte[] image, String task, String prompt) {
        return annotator.annotate(image, task, prompt);
    }
}
