package dev.loupe.job;

import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeMetrics;
import dev.loupe.udf.LoupeUdfs;
import dev.loupe.udf.PartitionAnnotator;
import java.time.Instant;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Annotation requests through the executors' models into an output directory: the annotate
 * job's path (per-executor model cache, rows in flight on the batch scheduler, per-row errors,
 * task-by-task commits, {@code --resume}, {@code _loupe_summary.json}), for every job that
 * annotates. The eval job sends its grounding and segmentation requests through it too, so a
 * benchmark is run exactly as a dataset is labelled.
 */
public final class AnnotationRun {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnnotationRun.class);

    private AnnotationRun() {}

    /** Fails fast, before Spark starts: the loader's own check of the model files (the GGUF reader, by default). */
    public static void checkModelBeforeSpark(ModelSettings model) {
        LoupeUdfs.validate(AnnotatorSpec.fromMap(model.specOptions(new SparkConf().get(AnnotatorSpec.CONF_PREFIX + AnnotatorSpec.LOADER, null)))
                .withAbsolutePaths());
    }

    /** The settings every task will use: {@code model}, then {@code spark.loupe.*}; checked on the driver. */
    public static AnnotatorSpec resolve(SparkSession spark, ModelSettings model) {
        String loader = spark.conf().get(AnnotatorSpec.CONF_PREFIX + AnnotatorSpec.LOADER, null);
        return LoupeUdfs.resolve(spark, model.specOptions(loader));
    }

    /**
     * Annotates a table of requests ({@code image_id}, {@code image} bytes or {@code image_path},
     * {@code task}, {@code prompt}) into {@code output}; with {@code resume}, the ids the output
     * already holds are skipped and the rest appended, else an existing output is replaced.
     */
    public static JobSummary annotate(SparkSession spark, AnnotatorSpec spec, Dataset<Row> requests, boolean byPath, String output,
                                      boolean resume) {
        long start = System.nanoTime();
        CompletedImages done = resume ? CompletedImages.in(spark, output) : CompletedImages.none();
        return annotate(spark, spec, new ImageInputs.Requests(done.removeFrom(requests), byPath, false), done, output,
                resume ? SaveMode.Append : SaveMode.Overwrite, start);
    }

    static JobSummary annotate(SparkSession spark, AnnotatorSpec spec, ImageInputs.Requests requests, CompletedImages done, String output,
                               SaveMode mode, long startNanos) {
        LoupeMetrics metrics = LoupeMetrics.register(spark.sparkContext());
        // The rows to do, for the progress lines: an image input's list is on the driver already,
        // a table's count reads its footers or its ids, little beside annotating a row.
        long total = requests.rows().count();
        LOG.info("Loupe: {} {} images into {} with {}", mode == SaveMode.Append ? "resuming with" : "annotating", total, output, spec.key());
        JobProgress progress = new JobProgress(metrics::imagesSoFar, total, System::nanoTime,
                spark.sparkContext().conf().getDouble(JobProgress.INTERVAL_KEY, JobProgress.DEFAULT_INTERVAL_SECONDS),
                line -> LOG.info("Loupe: {}", line));
        spark.sparkContext().addSparkListener(progress);
        try {
            requests.rows()
                    .mapPartitions(new PartitionAnnotator(spec, metrics, requests.byPath(), requests.withLimits()), Encoders.row(AnnotationSchema.rowType()))
                    .write().mode(mode)
                    // Commit each task's file into the output as the task finishes (FileOutputCommitter
                    // algorithm 2), not all of them at the end of the job: an interrupted run then
                    // keeps every finished partition for --resume instead of losing hours of work.
                    // Files still appear whole (written aside, then renamed), and only one attempt of
                    // a task may commit, so retries and speculative copies add no duplicates.
                    .option("mapreduce.fileoutputcommitter.algorithm.version", "2")
                    .parquet(output);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
        JobSummary summary = JobSummary.read(spark, output, metrics.snapshot(), done.count(), (System.nanoTime() - startNanos) / 1e9);
        SummaryFile.write(output, SummaryFile.toJson(summary, spec, Instant.now()), spark.sparkContext().hadoopConfiguration());
        LOG.info(String.format(java.util.Locale.ROOT, "Loupe: annotated %d images (%d errors) into %s in %.1f s: %.0f images/hour on %d cores",
                summary.run().images(), summary.run().errors(), output, summary.seconds(), summary.imagesPerHour(), summary.cores()));
        return summary;
    }
}
