package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;

/**
 * {@code loupe_ground(image BINARY, expression STRING) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * The box of what a referring expression describes ("the dog on the left"): the row of
 * {@code loupe_annotate(image, 'ground', expression)}; a NULL expression is the row's error.
 */
public final class GroundUdf extends TaskUdf implements UDF2<byte[], String, Row>, TaskUdf.OfImageAnd<String> {
    public GroundUdf() {
        this(null);
    }

    public GroundUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image, String expression) {
        return ask(LoupeUdfs.GROUND, () -> image, expression);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image, String expression) {
        return run(image, "ground", () -> RowRequest.of("ground", expression));
    }
}
