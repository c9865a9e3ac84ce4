package dev.loupe.udf;

import org.apache.spark.sql.api.java.UDF1;

/**
 * {@code loupe_caption(image BINARY) -> STRING}: the caption text, or null when the row failed
 * (use {@code loupe_annotate(image, 'caption', null).error} to see why).
 */
public final class CaptionUdf implements UDF1<byte[], String> {
    private final RowAnnotator annotator;

    public CaptionUdf() {
        this(null);
    }

    public CaptionUdf(AnnotatorSpec spec) {
        this.annotator = new RowAnnotator(spec);
    }

    @Override
    public String call(byte[] image) {
        return annotator.annotate(image, "caption", null).getAs("text");
    }
}
