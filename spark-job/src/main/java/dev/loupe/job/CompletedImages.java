package dev.loupe.job;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import dev.loupe.udf.AnnotationSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The image ids an output directory already holds, for {@code --resume}: rows of earlier runs,
 * complete or interrupted (the job commits each task's file as the task finishes, see
 * {@link AnnotateJob}), are kept and their images are not annotated again.
 */
final class CompletedImages {
    private static final String ID = AnnotationSchema.IMAGE_ID;

    /** Distinct ids, or null when the output holds no data yet. */
    private final Dataset<Row> ids;
    private Set<String> collected;

    private CompletedImages(Dataset<Row> ids) {
        this.ids = ids;
    }

    static CompletedImages none() {
        return new CompletedImages(null);
    }

    /** The ids in {@code output}; none when it does not exist or has no data file yet. */
    static CompletedImages in(SparkSession spark, String output) {
        if (!hasDataFiles(spark, output)) return none();
        return new CompletedImages(spark.read().parquet(output).select(col(ID)).where(col(ID).isNotNull()).distinct());
    }

    boolean isEmpty() {
        return ids == null;
    }

    /** How many distinct ids are done. */
    long count() {
        if (ids == null) return 0;
        return collected != null ? collected.size() : ids.count();
    }

    /**
     * The ids on the driver: image inputs are listed there anyway, and filtering the list before
     * it is split keeps {@code --partitions} meaning what it says (no join, no shuffle).
     */
    Set<String> ids() {
        if (collected == null) {
            collected = new HashSet<>();
            if (ids != null) for (Row r : ids.collectAsList()) collected.add(r.getString(0));
        }
        return collected;
    }

    /**
     * Table inputs: the requests whose id is not done. The ids are broadcast, so the requests
     * keep their partitioning (a shuffle join would re-split them by hash).
     */
    Dataset<Row> removeFrom(Dataset<Row> requests) {
        return ids == null ? requests : requests.join(broadcast(ids), requests.col(ID).equalTo(ids.col(ID)), "left_anti");
    }

    private static boolean hasDataFiles(SparkSession spark, String output) {
        Path dir = new Path(output);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) return false;
            if (!fs.getFileStatus(dir).isDirectory()) throw new IllegalArgumentException("--output " + output + " is a file, not a directory");
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) return true;
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into --output " + output, e);
        }
    }
}
