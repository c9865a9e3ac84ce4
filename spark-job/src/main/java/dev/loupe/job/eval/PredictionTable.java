package dev.loupe.job.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * Predictions to score, from Loupe's annotation output or any table (see
 * {@link PredictionColumns}), in one shape: the join key, and per key the list of prediction
 * rows ({@code box} as x0, y0, x1, y1 or null, {@code masks}, the row's {@code error},
 * {@code parse_error} and {@code text} where the table has them, the image size). A key with more
 * than one row is the scorer's to report, not a reason to fail.
 */
final class PredictionTable {
    static final String KEY_ID = "key_id";
    static final String KEY_EXPRESSION = "key_expression";
    static final String ROWS = "predictions";

    static final StructType MASK = new StructType().add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType)
            .add("counts", DataTypes.StringType);

    private PredictionTable() {}

    /**
     * The table at {@code location} grouped by key; {@code what} names the option in messages. The
     * box column must exist in a table of boxes, the mask column in a table of masks.
     */
    static Dataset<Row> read(SparkSession spark, String location, PredictionColumns c, String what, boolean ofMasks) {
        // By name only: Loupe's Parquet outputs hold a _loupe_summary.json beside their data.
        String name = location.toLowerCase(java.util.Locale.ROOT);
        boolean json = name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson");
        Dataset<Row> table = json ? spark.read().json(location) : spark.read().parquet(location);
        StructType schema = table.schema();
        String where = what + " " + location;
        require(schema, c.id(), "--prediction-id-column", where);
        if (c.expression() != null) require(schema, c.expression(), "--prediction-expression-column", where);
        if (ofMasks) require(schema, c.mask(), "--prediction-mask-column", where);
        else require(schema, c.box(), "--prediction-box-column", where);

        Column box = has(schema, c.box()) ? box(schema.apply(c.box()).dataType(), col(c.box()), c, where) : nullBox();
        Column masks = has(schema, c.mask()) ? masks(schema.apply(c.mask()).dataType(), col(c.mask()), c, where)
                : lit(null).cast(DataTypes.createArrayType(MASK));
        Column prediction = struct(box.as("box"), masks.as("masks"), optional(schema, "error", DataTypes.StringType),
                optional(schema, "parse_error", DataTypes.StringType), optional(schema, "text", DataTypes.StringType),
                optional(schema, "image_width", DataTypes.IntegerType), optional(schema, "image_height", DataTypes.IntegerType));
        Column keyExpression = c.expression() == null ? lit(null).cast(DataTypes.StringType) : col(c.expression()).cast(DataTypes.StringType);
        return table.select(col(c.id()).cast(DataTypes.StringType).as(KEY_ID), keyExpression.as(KEY_EXPRESSION), prediction.as("p"))
                .groupBy(KEY_ID, KEY_EXPRESSION).agg(collect_list(col("p")).as(ROWS));
    }

    /** The first box of Loupe's list, a struct of corners, or four numbers, as [x0, y0, x1, y1] doubles. */
    private static Column box(DataType type, Column value, PredictionColumns c, String where) {
        if (type instanceof ArrayType a && a.elementType() instanceof StructType s && hasCorners(s)) {
            return when(value.isNull().or(size(value).equalTo(0)), nullBox()).otherwise(corners(element_at(value, 1)));
        }
        if (type instanceof StructType s && hasCorners(s)) return when(value.isNull(), nullBox()).otherwise(corners(value));
        if (type instanceof ArrayType a && a.elementType() instanceof NumericType) {
            Column v = value.cast(DataTypes.createArrayType(DataTypes.DoubleType));
            Column xyxy = c.boxFormat() == PredictionColumns.BoxFormat.XYXY ? v
                    : array(v.getItem(0), v.getItem(1), v.getItem(0).plus(v.getItem(2)), v.getItem(1).plus(v.getItem(3)));
            return when(value.isNull().or(size(value).equalTo(0)), nullBox()).when(size(value).notEqual(4), v).otherwise(xyxy);
        }
        throw new IllegalArgumentException("--prediction-box-column " + c.box() + " of " + where + " is " + type.simpleString()
                + "; it must hold Loupe's boxes (a list of x0, y0, x1, y1 structs), one such struct, or four numbers");
    }

    private static Column masks(DataType type, Column value, PredictionColumns c, String where) {
        if (type instanceof ArrayType a && a.elementType() instanceof StructType s && isMask(s)) {
            return transform(value, PredictionTable::mask);
        }
        if (type instanceof StructType s && isMask(s)) {
            return when(value.isNull(), lit(null).cast(DataTypes.createArrayType(MASK))).otherwise(array(mask(value)));
        }
        throw new IllegalArgumentException("--prediction-mask-column " + c.mask() + " of " + where + " is " + type.simpleString()
                + "; it must hold Loupe's masks (a list of height, width, counts structs) or one such struct");
    }

    /** Height, width and counts of a mask struct (Loupe's has a label too). */
    private static Column mask(Column m) {
        return struct(m.getField("height").cast(DataTypes.IntegerType).as("height"), m.getField("width").cast(DataTypes.IntegerType).as("width"),
                m.getField("counts").cast(DataTypes.StringType).as("counts"));
    }

    private static Column corners(Column s) {
        return array(s.getField("x0").cast(DataTypes.DoubleType), s.getField("y0").cast(DataTypes.DoubleType),
                s.getField("x1").cast(DataTypes.DoubleType), s.getField("y1").cast(DataTypes.DoubleType));
    }

    private static Column nullBox() {
        return lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType));
    }

    private static boolean hasCorners(StructType s) {
        return Arrays.asList(s.fieldNames()).containsAll(List.of("x0", "y0", "x1", "y1"));
    }

    private static boolean isMask(StructType s) {
        return Arrays.asList(s.fieldNames()).containsAll(List.of("height", "width", "counts"));
    }

    private static Column optional(StructType schema, String column, DataType type) {
        return (has(schema, column) ? col(column).cast(type) : lit(null).cast(type)).as(column);
    }

    private static boolean has(StructType schema, String column) {
        return Arrays.asList(schema.fieldNames()).contains(column);
    }

    private static void require(StructType schema, String column, String option, String where) {
        if (!has(schema, column)) {
            throw new IllegalArgumentException(option + " " + column + ": no such column in " + where + "; its columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
    }
}
