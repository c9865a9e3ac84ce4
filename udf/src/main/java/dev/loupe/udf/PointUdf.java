package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;

/**
 * {@code loupe_point(image BINARY, what STRING) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * Points at what is described ({@code points}): the row of {@code loupe_annotate(image, 'point', what)}.
 */
public final class PointUdf extends TaskUdf implements UDF2<byte[], String, Row>, TaskUdf.OfImageAnd<String> {
    public PointUdf() {
        this(null);
    }

    public PointUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image, String what) {
        return ask(LoupeUdfs.POINT, () -> image, what);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image, String what) {
        return run(image, "point", () -> RowRequest.of("point", what));
    }
}
