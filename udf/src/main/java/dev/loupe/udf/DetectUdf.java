package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;

/**
 * {@code loupe_detect(image BINARY, categories STRING or ARRAY<STRING>) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * Every object in the image, or every instance of the categories given (a comma-separated string or
 * an array; NULL for all objects): the row of {@code loupe_annotate(image, 'detect', 'cat,dog')}.
 */
public final class DetectUdf extends TaskUdf implements UDF2<byte[], Object, Row>, TaskUdf.OfImageAnd<Object> {
    public DetectUdf() {
        this(null);
    }

    public DetectUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image, Object categories) {
        return ask(LoupeUdfs.DETECT, () -> image, categories);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image, Object categories) {
        return run(image, "detect", () -> new RowRequest("detect", null, SqlLists.of(categories, function, "categories"), null, null, null));
    }
}
