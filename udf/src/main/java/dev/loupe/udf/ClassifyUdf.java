package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;

/**
 * {@code loupe_classify(image BINARY, labels ARRAY<STRING> or STRING) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * The candidate label the model finds likeliest ({@code text}) and the whole distribution
 * ({@code labels}), scored as the job's {@code --task classify --labels ...} scores them (the
 * session's {@code labelScoring}); no or only blank labels, or labels of another type, are the row's error.
 */
public final class ClassifyUdf extends TaskUdf implements UDF2<byte[], Object, Row>, TaskUdf.OfImageAnd<Object> {
    public ClassifyUdf() {
        this(null);
    }

    public ClassifyUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image, Object labels) {
        return ask(LoupeUdfs.CLASSIFY, () -> image, labels);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image, Object labels) {
        return run(image, "classify", () -> new RowRequest("classify", null, null, SqlLists.required(labels, function, "labels"), null, null));
    }
}
