package dev.loupe.udf;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Converts the Avro schemas in {@code schemas/} to Spark SQL types, so that the UDF's return type
 * and the Parquet files Spark writes come from the same {@code .avsc} users read them with.
 *
 * <p>Covers exactly what Loupe's schemas use (records, arrays, {@code ["null", T]} unions and
 * primitives); anything else is rejected with the field's path rather than guessed. Spark's own
 * converter lives in the optional spark-avro module, which clusters do not ship by default.
 */
public final class AvroSparkTypes {
    private AvroSparkTypes() {}

    /** The Spark type of an Avro record; a field is nullable iff its Avro type is a union with null. */
    public static StructType structOf(Schema record) {
        if (record.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("expected an Avro record, got " + record.getType() + " (" + record.getFullName() + ")");
        }
        List<StructField> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            String path = record.getName() + "." + f.name();
            Schema type = f.schema();
            boolean nullable = type.isNullable();
            fields.add(DataTypes.createStructField(f.name(), typeOf(nonNull(type, path), path), nullable));
        }
        return DataTypes.createStructType(fields);
    }

    private static DataType typeOf(Schema s, String path) {
        return switch (s.getType()) {
            case RECORD -> structOf(s);
            case ARRAY -> DataTypes.createArrayType(typeOf(nonNull(s.getElementType(), path + "[]"), path + "[]"),
                    s.getElementType().isNullable());
            case STRING -> DataTypes.StringType;
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case FLOAT -> DataTypes.FloatType;
            case DOUBLE -> DataTypes.DoubleType;
            case BOOLEAN -> DataTypes.BooleanType;
            case BYTES -> DataTypes.BinaryType;
            default -> throw new IllegalArgumentException("Avro type " + s.getType() + " of " + path + " has no Spark mapping in Loupe");
        };
    }

    /** T for T or ["null", T]; other unions have no single Spark type. */
    private static Schema nonNull(Schema s, String path) {
        if (s.getType() != Schema.Type.UNION) return s;
        List<Schema> branches = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw new IllegalArgumentException("union " + s + " of " + path + " must be [\"null\", T]");
        }
        return branches.getFirst();
    }
}
