package dev.loupe.job;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.when;

import dev.loupe.engine.task.Task;
import dev.loupe.udf.PartitionAnnotator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads {@code --input} as annotation requests: one row per image and task with columns
 * {@code image_id}, {@code task}, {@code prompt} and either {@code image} (bytes) or
 * {@code image_path} (a path the executors read); with categories or candidate labels (the job's
 * or a column's), also {@code categories} and {@code labels} (arrays of strings). Problems with the input's shape (nothing
 * there, a missing column, a wrong type) are reported with the input and the column named.
 */
public final class ImageInputs {
    static final String IMAGE = PartitionAnnotator.IMAGE;
    static final String IMAGE_PATH = PartitionAnnotator.IMAGE_PATH;

    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType);

    private static final StructType PATH_REQUESTS = new StructType()
            .add("image_id", DataTypes.StringType).add(IMAGE_PATH, DataTypes.StringType)
            .add("task", DataTypes.StringType).add("prompt", DataTypes.StringType);

    /**
     * Requests, split as {@code --partitions} asks; whether they carry bytes ({@code image}) or
     * paths ({@code image_path}), and whether a per-row resolution cap ({@code max_longest_edge}).
     */
    public record Requests(Dataset<Row> rows, boolean byPath, boolean withLimits) {}

    private ImageInputs() {}

    /** The requests of {@code --input}, leaving out the images whose id is in {@code done}. */
    static Requests read(SparkSession spark, AnnotateOptions o, CompletedImages done) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        InputFormat format = o.format() != null ? o.format() : InputFormat.detect(o.input(), hadoop);
        return switch (format) {
            case IMAGES -> images(spark, o, done);
            case PARQUET -> table(spark.read().parquet(o.input()), o, hadoop, done);
            case JSON -> table(spark.read().json(o.input()), o, hadoop, done);
        };
    }

    private static Requests images(SparkSession spark, AnnotateOptions o, CompletedImages done) {
        List<String> paths = ImageFileLister.list(o.input(), o.imageExtensions(), spark.sparkContext().hadoopConfiguration());
        // One request per image with the tasks it still needs (all of them, unless --resume found some done).
        List<Row> rows = new java.util.ArrayList<>();
        for (String p : paths) {
            List<String> tasks = o.tasks().stream().filter(t -> done.isEmpty() || !done.contains(p, t)).toList();
            if (!tasks.isEmpty()) rows.add(RowFactory.create(p, p, String.join(",", tasks), o.prompt()));
        }
        // Images cost about the same to annotate whatever their size: split by count, a few
        // partitions per core so that a slow partition does not hold the job up.
        int slices = o.partitions() != null ? o.partitions()
                : Math.max(1, Math.min(rows.size(), 4 * spark.sparkContext().defaultParallelism()));
        // An RDD rather than a local relation: Spark would evaluate the UDF on the driver
        // while optimizing a projection over a local relation.
        Dataset<Row> requests = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices), PATH_REQUESTS);
        if (!o.categories().isEmpty()) requests = requests.withColumn(PartitionAnnotator.CATEGORIES, jobStrings(o.categories()));
        if (!o.labels().isEmpty()) requests = requests.withColumn(PartitionAnnotator.LABELS, jobStrings(o.labels()));
        return new Requests(explodeTasks(requests), true, false);
    }

    private static Requests table(Dataset<Row> table, AnnotateOptions o, Configuration hadoop, CompletedImages done) {
        StructType schema = table.schema();
        requireColumn(schema, o.imageColumn(), "--image-column", o.input());
        DataType imageType = schema.apply(o.imageColumn()).dataType();
        boolean byPath;
        Column image;
        if (imageType.equals(DataTypes.BinaryType)) {
            byPath = false;
            image = col(o.imageColumn());
        } else if (imageType.equals(DataTypes.StringType)) {
            byPath = true;
            image = resolved(col(o.imageColumn()), baseDirectory(o.input(), hadoop));
        } else {
            throw new IllegalArgumentException("--image-column " + o.imageColumn() + " of " + o.input() + " is "
                    + imageType.simpleString() + "; it must hold image bytes (binary) or paths (string)");
        }

        Column id;
        if (o.idColumn() != null) {
            requireColumn(schema, o.idColumn(), "--id-column", o.input());
            id = col(o.idColumn()).cast(DataTypes.StringType);
        } else {
            // Bytes without an id: the content hash, so a re-run names the same image the same way.
            id = byPath ? image : sha2(image, 256);
        }
        Column task = lit(o.task());
        if (o.taskColumn() != null) {
            requireColumn(schema, o.taskColumn(), "--task-column", o.input());
            DataType taskType = schema.apply(o.taskColumn()).dataType();
            // A per-row task list: an array of names, or names separated by commas.
            Column rowTasks = taskType instanceof ArrayType ? concat_ws(",", col(o.taskColumn())) : col(o.taskColumn()).cast(DataTypes.StringType);
            task = coalesce(rowTasks, task);
        }
        Column prompt = lit(o.prompt()).cast(DataTypes.StringType);
        if (o.promptColumn() != null) {
            requireColumn(schema, o.promptColumn(), "--prompt-column", o.input());
            prompt = coalesce(col(o.promptColumn()).cast(DataTypes.StringType), prompt);
        }
        List<Column> columns = new java.util.ArrayList<>(List.of(id.as("image_id"), image.as(byPath ? IMAGE_PATH : IMAGE),
                task.as("task"), prompt.as("prompt")));
        addStrings(columns, schema, o.categoriesColumn(), "--categories-column", o.categories(), o.input(), PartitionAnnotator.CATEGORIES);
        addStrings(columns, schema, o.labelsColumn(), "--labels-column", o.labels(), o.input(), PartitionAnnotator.LABELS);
        boolean withLimits = o.maxLongestEdgeColumn() != null || o.maxImageTokensColumn() != null;
        if (withLimits) {
            columns.add((o.maxLongestEdgeColumn() == null ? lit(null).cast(DataTypes.IntegerType)
                    : integerColumn(schema, o.maxLongestEdgeColumn(), "--max-longest-edge-column", o.input())).as(PartitionAnnotator.MAX_LONGEST_EDGE));
            columns.add((o.maxImageTokensColumn() == null ? lit(null).cast(DataTypes.IntegerType)
                    : integerColumn(schema, o.maxImageTokensColumn(), "--max-image-tokens-column", o.input())).as(PartitionAnnotator.MAX_IMAGE_TOKENS));
        }
        Dataset<Row> requests = table.select(columns.toArray(Column[]::new));
        // Split before the tasks are exploded: a round-robin split would part the rows of one image, which share an encode side by side.
        if (o.partitions() != null) requests = requests.repartition(o.partitions());
        requests = done.removeFrom(explodeTasks(requests));
        return new Requests(requests, byPath, withLimits);
    }

    /**
     * One request per image and task: the {@code task} column's comma-separated list (the job's
     * {@code --tasks caption,detect,count}, or a row's own) exploded into rows side by side, which
     * the partition annotator then runs on one encode. Names are trimmed and lower-cased (as the
     * output writes them, so {@code --resume} matches its pairs), blank ones and repeats dropped; a
     * list with no name left is one caption request, as a blank task always was. Of a list of
     * several tasks, the categories (the job's or the row's) go to the tasks that take them: {@code
     * --tasks caption,detect --categories dog} asks for a caption and dog boxes, where a lone caption
     * row given categories is refused.
     */
    static Dataset<Row> explodeTasks(Dataset<Row> requests) {
        String list = "loupe_tasks";
        Dataset<Row> exploded = requests
                .withColumn(list, expr("array_distinct(filter(transform(split(task, ','), t -> lower(trim(t))), t -> t != ''))"))
                .withColumn("task", explode_outer(col(list)))
                .withColumn("task", coalesce(col("task"), lit("caption")));
        if (Arrays.asList(requests.columns()).contains(PartitionAnnotator.CATEGORIES)) {
            Object[] takers = Arrays.stream(Task.values()).filter(Task::takesCategories).map(t -> t.id).toArray();
            exploded = exploded.withColumn(PartitionAnnotator.CATEGORIES,
                    when(size(col(list)).leq(1).or(col("task").isin(takers)), col(PartitionAnnotator.CATEGORIES)));
        }
        return exploded.drop(list);
    }

    /**
     * A per-row list of strings (categories, candidate labels) as the request column {@code as}:
     * the table's {@code column} where the row has some, else the job's {@code job}; no column at
     * all when neither is given.
     */
    private static void addStrings(List<Column> columns, StructType schema, String column, String option, List<String> job, String input,
                                   String as) {
        if (column != null) {
            columns.add(coalesce(stringsColumn(schema, column, option, input), jobStrings(job)).as(as));
        } else if (!job.isEmpty()) {
            columns.add(jobStrings(job).as(as));
        }
    }

    /** The job's list (--categories; --labels and --labels-file) as an array column; a null array when it is empty. */
    private static Column jobStrings(List<String> job) {
        if (job.isEmpty()) return lit(null).cast(STRINGS);
        return array(job.stream().map(functions::lit).toArray(Column[]::new));
    }

    /**
     * A per-row list column as an array of strings: an array column as it is, a string column
     * split at its commas (the engine strips each name and drops blank ones). Other types are
     * refused here, naming the column. An empty array reads as none: the job's list.
     */
    private static Column stringsColumn(StructType schema, String column, String option, String input) {
        requireColumn(schema, column, option, input);
        DataType type = schema.apply(column).dataType();
        Column strings;
        if (type.equals(DataTypes.StringType)) {
            strings = split(col(column), ",");
        } else if (type instanceof ArrayType a && a.elementType().equals(DataTypes.StringType)) {
            strings = col(column);
        } else {
            throw new IllegalArgumentException(option + " " + column + " of " + input + " is " + type.simpleString()
                    + "; it must hold an array of strings or a comma-separated string");
        }
        return when(size(strings).gt(0), strings);
    }

    /** A table's path column with relative paths made relative to the table {@code input}, not to wherever the executors run. */
    public static Column relativeToTable(Column path, String input, Configuration hadoop) {
        return resolved(path, baseDirectory(input, hadoop));
    }

    private static Column resolved(Column path, String baseDir) {
        Column absolute = path.rlike("^(/|[A-Za-z][A-Za-z0-9+.-]*:)");
        return when(path.isNull().or(absolute), path).otherwise(concat(lit(baseDir + "/"), path));
    }

    private static String baseDirectory(String input, Configuration hadoop) {
        Path p = new Path(input);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            Path q = fs.makeQualified(p);
            return (fs.getFileStatus(q).isDirectory() ? q : q.getParent()).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at --input " + input, e);
        }
    }

    /**
     * An integer column as int. Other types are refused here, naming the column, rather than
     * cast row by row (Spark's ANSI casts would fail the whole job on the first bad string).
     * Values beyond int (long columns) read as null: no cap.
     */
    private static Column integerColumn(StructType schema, String column, String option, String input) {
        requireColumn(schema, column, option, input);
        DataType type = schema.apply(column).dataType();
        if (!(type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType) || type.equals(DataTypes.ShortType)
                || type.equals(DataTypes.ByteType))) {
            throw new IllegalArgumentException(option + " " + column + " of " + input + " is " + type.simpleString()
                    + "; it must hold integers");
        }
        return col(column).try_cast(DataTypes.IntegerType);
    }

    private static void requireColumn(StructType schema, String column, String option, String input) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(option + " " + column + ": no such column in " + input
                    + "; its columns are " + Arrays.toString(schema.fieldNames()));
        }
    }
}
