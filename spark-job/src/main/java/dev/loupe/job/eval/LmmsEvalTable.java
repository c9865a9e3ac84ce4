package dev.loupe.job.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.loupe.job.ImageInputs;
import java.util.Arrays;
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
 * Reads a benchmark in the layout of lmms-eval's RefCOCO datasets (see {@link DatasetColumns}):
 * a Parquet table, one row per object, its expressions exploded into one sample each. Shape
 * problems (a missing column, a column of the wrong type) fail here, naming the column and the
 * table, before any task runs.
 */
final class LmmsEvalTable {
    /** Hugging Face's shard names: {@code <split>-00000-of-00004.parquet}. */
    private static final String SHARD_NAME = "^(.+?)-[0-9]+-of-[0-9]+\\.parquet$";

    private LmmsEvalTable() {}

    static ReferringSamples read(SparkSession spark, EvalOptions o) {
        DatasetColumns c = o.columns();
        // Only *.parquet files: a dataset directory may hold a README, annotations, images beside the shards.
        Dataset<Row> table = spark.read().option("pathGlobFilter", "*.parquet").parquet(o.dataset());
        StructType schema = table.schema();
        String where = "--dataset " + o.dataset();

        require(schema, c.sampleId(), "--sample-id-column", where);
        require(schema, c.image(), "--image-column", where);
        require(schema, c.expression(), "--expression-column", where);
        require(schema, c.bbox(), "--bbox-column", where);

        DataType imageType = schema.apply(c.image()).dataType();
        boolean byPath;
        Column image;
        if (imageType.equals(DataTypes.BinaryType)) {
            byPath = false;
            image = col(c.image());
        } else if (imageType instanceof StructType s && Arrays.asList(s.fieldNames()).contains("bytes")
                && s.apply("bytes").dataType().equals(DataTypes.BinaryType)) {
            byPath = false; // the Hugging Face Image feature
            image = col(c.image()).getField("bytes");
        } else if (imageType.equals(DataTypes.StringType)) {
            byPath = true;
            image = ImageInputs.relativeToTable(col(c.image()), o.dataset(), spark.sparkContext().hadoopConfiguration());
        } else {
            throw new IllegalArgumentException("--image-column " + c.image() + " of " + where + " is " + imageType.simpleString()
                    + "; it must hold image bytes (binary, or a struct with binary 'bytes' as Hugging Face writes images) or paths (string)");
        }

        if (!isNumberList(schema.apply(c.bbox()).dataType())) {
            throw new IllegalArgumentException("--bbox-column " + c.bbox() + " of " + where + " is " + schema.apply(c.bbox()).dataType().simpleString()
                    + "; it must hold [x, y, width, height] lists of numbers (COCO pixels)");
        }

        DataType expressionType = schema.apply(c.expression()).dataType();
        boolean listOfExpressions;
        if (expressionType.equals(DataTypes.StringType)) {
            listOfExpressions = false;
        } else if (expressionType instanceof ArrayType a && a.elementType().equals(DataTypes.StringType)) {
            listOfExpressions = true;
        } else {
            throw new IllegalArgumentException("--expression-column " + c.expression() + " of " + where + " is " + expressionType.simpleString()
                    + "; it must hold a string or a list of strings");
        }

        Column polygons = lit(null).cast(ReferringSamples.SCHEMA.apply(ReferringSamples.POLYGONS).dataType());
        boolean hasMasks = has(schema, c.segmentation());
        if (hasMasks) {
            DataType segType = schema.apply(c.segmentation()).dataType();
            Column seg = col(c.segmentation());
            if (isNumberList(segType)) {
                // lmms-eval draws it as one polygon (PIL's ImageDraw.polygon(seg)), so it is one here.
                polygons = when(seg.isNull().or(size(seg).equalTo(0)), polygons)
                        .otherwise(array(seg.cast(DataTypes.createArrayType(DataTypes.DoubleType))));
            } else if (segType instanceof ArrayType a && isNumberList(a.elementType())) {
                polygons = when(seg.isNull().or(size(seg).equalTo(0)), polygons).otherwise(seg.cast(ReferringSamples.SCHEMA.apply(ReferringSamples.POLYGONS).dataType()));
            } else {
                throw new IllegalArgumentException("--segmentation-column " + c.segmentation() + " of " + where + " is " + segType.simpleString()
                        + "; it must hold a polygon [x1, y1, x2, y2, ...] or a list of them");
            }
        }

        Column rowId = col(c.sampleId()).cast(DataTypes.StringType);
        Column imageId = has(schema, c.imageId()) ? col(c.imageId()).cast(DataTypes.StringType) : (byPath ? image : sha2(image, 256));
        // Spark's hidden file metadata column: the Hugging Face shard's name carries the split.
        Column fileName = col("_metadata.file_name");
        Column split = has(schema, c.split()) ? col(c.split()).cast(DataTypes.StringType)
                : coalesce(when(fileName.rlike(SHARD_NAME), regexp_extract(fileName, SHARD_NAME, 1)), regexp_extract(fileName, "^(.*?)(\\.[^.]*)?$", 1));

        Dataset<Row> flat = table.select(rowId.as("row_id"), imageId.as(ReferringSamples.IMAGE_ID), split.as(ReferringSamples.SPLIT),
                col(c.expression()).as("expressions"), image.as("image_value"),
                col(c.bbox()).cast(DataTypes.createArrayType(DataTypes.DoubleType)).as(ReferringSamples.BBOX), polygons.as(ReferringSamples.POLYGONS));
        Column sampleId;
        if (listOfExpressions) {
            // One sample per expression, as lmms-eval's refcoco_bbox_rec_preprocess_dataset explodes them.
            flat = flat.select(col("*"), posexplode(col("expressions")).as(new String[] {"k", ReferringSamples.EXPRESSION}));
            sampleId = concat(col("row_id"), lit("#"), col("k").cast(DataTypes.StringType));
        } else {
            flat = flat.withColumn(ReferringSamples.EXPRESSION, col("expressions"));
            sampleId = col("row_id");
        }
        Dataset<Row> rows = flat.select(sampleId.as(ReferringSamples.SAMPLE_ID), col(ReferringSamples.IMAGE_ID), col(ReferringSamples.SPLIT),
                col(ReferringSamples.EXPRESSION),
                (byPath ? lit(null).cast(DataTypes.BinaryType) : col("image_value")).as(ReferringSamples.IMAGE),
                (byPath ? col("image_value") : lit(null).cast(DataTypes.StringType)).as(ReferringSamples.IMAGE_PATH),
                col(ReferringSamples.BBOX), col(ReferringSamples.POLYGONS),
                lit(null).cast(ReferringSamples.RLE).as(ReferringSamples.TRUTH_RLE),
                lit(null).cast(DataTypes.IntegerType).as(ReferringSamples.WIDTH), lit(null).cast(DataTypes.IntegerType).as(ReferringSamples.HEIGHT));
        return new ReferringSamples(rows, byPath, hasMasks);
    }

    private static boolean isNumberList(DataType t) {
        return t instanceof ArrayType a && a.elementType() instanceof NumericType;
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
