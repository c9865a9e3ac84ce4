package dev.loupe.job;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import dev.loupe.udf.AnnotationSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The (image id, task) pairs an output directory already holds, for {@code --resume}: rows of
 * earlier runs, complete or interrupted (the job commits each task's file as the task finishes, see
 * {@link AnnotateJob}), are kept and those pairs are not annotated again. Per pair, not per image:
 * with {@code --tasks caption,detect,count} an image whose caption row was written before the
 * interruption still gets its detect and count rows; a rerun with another task annotates every image
 * again for that task. Tasks are compared as the output spells them (a task's own name, or what a
 * row with an unknown task asked), so requests carry their task names lower-cased ({@link ImageInputs}).
 */
final class CompletedImages {
    private static final String ID = AnnotationSchema.IMAGE_ID;
    private static final String TASK = "task";

    /** Distinct (image_id, task) pairs, or null when the output holds no data yet. */
    private final Dataset<Row> pairs;
    private Set<List<String>> collected;

    private CompletedImages(Dataset<Row> pairs) {
        this.pairs = pairs;
    }

    static CompletedImages none() {
        return new CompletedImages(null);
    }

    /** The pairs in {@code output}; none when it does not exist or has no data file yet. */
    static CompletedImages in(SparkSession spark, String output) {
        if (!hasDataFiles(spark, output)) return none();
        return new CompletedImages(spark.read().parquet(output).select(col(ID), col(TASK)).where(col(ID).isNotNull()).distinct());
    }

    boolean isEmpty() {
        return pairs == null;
    }

    /** How many distinct image ids have rows (of any task). */
    long count() {
        if (pairs == null) return 0;
        if (collected != null) return collected.stream().map(List::getFirst).distinct().count();
        return pairs.select(col(ID)).distinct().count();
    }

    /**
     * Whether the image's row of {@code task} is done, the pairs read on the driver once: image
     * inputs are listed there anyway, and filtering the list before it is split keeps
     * {@code --partitions} meaning what it says (no join, no shuffle).
     */
    boolean contains(String imageId, String task) {
        if (collected == null) {
            collected = new HashSet<>();
            if (pairs != null) for (Row r : pairs.collectAsList()) collected.add(Arrays.asList(r.getString(0), r.getString(1)));
        }
        return collected.contains(Arrays.asList(imageId, task));
    }

    /**
     * Table inputs: the requests whose (image_id, task) pair is not done. The pairs are broadcast, so
     * the requests keep their partitioning and order (a shuffle join would re-split them by hash, and
     * part the rows of one image).
     */
    Dataset<Row> removeFrom(Dataset<Row> requests) {
        if (pairs == null) return requests;
        return requests.join(broadcast(pairs), requests.col(ID).equalTo(pairs.col(ID)).and(requests.col(TASK).equalTo(pairs.col(TASK))),
                "left_anti");
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
