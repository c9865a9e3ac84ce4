package dev.loupe.job.eval;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A referring-expression benchmark in one shape, whichever layout it came from: one row per
 * sample (one expression of one object) with the image (bytes or a path), the ground-truth box as
 * the dataset gives it, and the ground-truth mask where there is one (polygons, or COCO RLE).
 * The box and mask are checked when scored, so that a malformed one spoils its sample only.
 *
 * @param rows    rows of {@link #SCHEMA}
 * @param byPath  true when the images are paths ({@code image_path}), false when bytes ({@code image})
 * @param hasMasks whether the dataset has ground-truth masks at all
 */
record ReferringSamples(Dataset<Row> rows, boolean byPath, boolean hasMasks) {
    static final String SAMPLE_ID = "sample_id";
    static final String IMAGE_ID = "image_id";
    static final String SPLIT = "split";
    static final String EXPRESSION = "expression";
    static final String IMAGE = "image";
    static final String IMAGE_PATH = "image_path";
    /** As given: {@code [x, y, w, h]} pixels, checked when scored. */
    static final String BBOX = "bbox";
    /** Polygons, each {@code [x1, y1, x2, y2, ...]}; null without a polygon mask. */
    static final String POLYGONS = "polygons";
    /** A COCO RLE ground truth ({@code height}, {@code width}, compressed {@code counts}); null without one. */
    static final String TRUTH_RLE = "truth_rle";
    static final String WIDTH = "image_width";
    static final String HEIGHT = "image_height";

    static final StructType RLE = new StructType().add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType)
            .add("counts", DataTypes.StringType);
    static final StructType SCHEMA = new StructType()
            .add(SAMPLE_ID, DataTypes.StringType).add(IMAGE_ID, DataTypes.StringType).add(SPLIT, DataTypes.StringType)
            .add(EXPRESSION, DataTypes.StringType).add(IMAGE, DataTypes.BinaryType).add(IMAGE_PATH, DataTypes.StringType)
            .add(BBOX, DataTypes.createArrayType(DataTypes.DoubleType))
            .add(POLYGONS, DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType)))
            .add(TRUTH_RLE, RLE).add(WIDTH, DataTypes.IntegerType).add(HEIGHT, DataTypes.IntegerType);

    /** The samples of the options' dataset, in either layout, restricted to {@code --splits} and {@code --limit}. */
    static ReferringSamples read(SparkSession spark, EvalOptions o) {
        ReferringSamples all = o.referLayout() ? ReferDataset.read(spark, o) : LmmsEvalTable.read(spark, o);
        Dataset<Row> rows = all.rows();
        if (!o.splits().isEmpty()) rows = rows.where(col(SPLIT).isin(o.splits().toArray()));
        if (o.limit() != null) rows = rows.orderBy(SAMPLE_ID).limit(o.limit());
        return new ReferringSamples(rows, all.byPath(), all.hasMasks());
    }

    /** Whether a row has a ground-truth mask. */
    static org.apache.spark.sql.Column withMask() {
        return col(POLYGONS).isNotNull().or(col(TRUTH_RLE).isNotNull());
    }
}
