package dev.loupe.job.eval;

import dev.loupe.udf.AvroSparkTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.StructType;

/**
 * The eval job's per-sample output, {@code schemas/evaluation.avsc} (on the classpath from the udf jar), and its Spark type.
 * Public for {@code loupe report --evaluation}, which reads the output with it.
 */
public final class EvaluationSchema {
    public static final String RESOURCE = "schemas/evaluation.avsc";
    private static final Schema AVRO = parse();
    private static final StructType ROW = AvroSparkTypes.structOf(AVRO);

    private EvaluationSchema() {}

    public static Schema avro() {
        return AVRO;
    }

    static StructType rowType() {
        return ROW;
    }

    private static Schema parse() {
        try (InputStream in = EvaluationSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is not on the classpath (the udf jar packages ../schemas)");
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
