package dev.loupe.udf;

import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;

/**
 * {@code loupe_ocr(image BINARY) -> STRUCT} (see {@link AnnotationSchema#resultType()}).
 * The text in the image ({@code text}): the row of {@code loupe_annotate(image, 'ocr', NULL)}.
 */
public final class OcrUdf extends TaskUdf implements UDF1<byte[], Row>, TaskUdf.OfImage {
    public OcrUdf() {
        this(null);
    }

    public OcrUdf(AnnotatorSpec spec) {
        super(spec);
    }

    @Override
    public Row call(byte[] image) {
        return ask(LoupeUdfs.OCR, () -> image);
    }

    @Override
    public Row ask(String function, Supplier<byte[]> image) {
        return run(image, "ocr", () -> RowRequest.of("ocr", null));
    }
}
