package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;

/**
 * {@code loupe_count(image BINARY, what STRING) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * How many of what is described there are ({@code count}, and the boxes counted where the family
 * counts by detecting): the row of {@code loupe_annotate(image, 'count', what)}.
 */
public final class CountUdf extends TaskUdf implements UDF2<byte[], String, Row>, TaskUdf.OfImageAnd<String> {
    public CountUdf() {
        this(null);
    }

    public CountUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image, String what) {
        return ask(LoupeUdfs.COUNT, () -> image, what);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image, String what) {
        return run(image, "count", () -> RowRequest.of("count", what));
    }
}
