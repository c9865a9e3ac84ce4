package dev.loupe.udf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The output contract, {@code schemas/annotation.avsc} (packaged on the classpath as
 * {@code schemas/annotation.avsc}), and the Spark types derived from it. Nothing else in Loupe
 * spells out the annotation's fields: change the .avsc and the UDF and the job follow.
 */
public final class AnnotationSchema {
    public static final String RESOURCE = "schemas/annotation.avsc";
    /** The one column the job adds in front of the UDF's result. */
    public static final String IMAGE_ID = "image_id";

    private static final Schema AVRO = parse();
    private static final StructType ROW = AvroSparkTypes.structOf(AVRO);
    private static final StructType RESULT = new StructType(Arrays.stream(ROW.fields())
            .filter(f -> !f.name().equals(IMAGE_ID)).toArray(StructField[]::new));

    private AnnotationSchema() {}

    /** The Avro schema of one output row. */
    public static Schema avro() {
        return AVRO;
    }

    /** The Spark type of one output row: {@code image_id} followed by {@link #resultType()}'s fields. */
    public static StructType rowType() {
        return ROW;
    }

    /** What {@code loupe_annotate} returns: every field of the row except {@code image_id}. */
    public static StructType resultType() {
        return RESULT;
    }

    /**
     * {@link #resultType()} as a DDL string, for PySpark's
     * {@code spark.udf.registerJavaFunction("loupe_annotate", "dev.loupe.udf.AnnotateUdf", ddl)}.
     */
    public static String resultDdl() {
        return RESULT.catalogString();
    }

    private static Schema parse() {
        try (InputStream in = AnnotationSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is not on the classpath (the udf jar packages ../schemas)");
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
