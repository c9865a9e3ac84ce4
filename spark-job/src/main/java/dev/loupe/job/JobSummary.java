package dev.loupe.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import dev.loupe.udf.RunMetrics;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a finished run did and what the output holds.
 *
 * <p>Two sources on purpose: the totals of the output ({@code rows}, {@code errors}, ...) are
 * counted from the committed Parquet itself, so they also cover earlier runs that a
 * {@code --resume} run appended to; {@code run} comes from the accumulators of this run's tasks
 * (tokens, engine seconds, model loads per executor), which the output cannot tell.
 *
 * @param output          where the Parquet files are
 * @param rows            rows in the output
 * @param errors          output rows with {@code error} set
 * @param generatedTokens tokens generated over all output rows
 * @param commonErrors    the most frequent error messages with their counts, most frequent first
 * @param run             this run's accumulators
 * @param alreadyDone     image ids that were in the output before this run (0 without --resume)
 * @param seconds         wall time of this run, from reading the input to the committed output
 * @param cores           the cores the run had (task slots of a local master, else the executors' cores), for its cost
 */
public record JobSummary(String output, long rows, long errors, long generatedTokens, List<ErrorCount> commonErrors,
                         RunMetrics run, long alreadyDone, double seconds, int cores) {
    private static final int COMMON_ERRORS = 5;

    public JobSummary {
        commonErrors = List.copyOf(commonErrors);
    }

    public record ErrorCount(String error, long count) {}

    static JobSummary read(SparkSession spark, String output, RunMetrics run, long alreadyDone, double seconds) {
        int cores = RunCores.of(spark.sparkContext());
        Dataset<Row> written = spark.read().parquet(output);
        Row totals = written.agg(count(lit(1)), count(col("error")), sum(col("generated_tokens"))).first();
        List<ErrorCount> common = new ArrayList<>();
        for (Row r : written.where(col("error").isNotNull()).groupBy("error").count()
                .orderBy(desc("count"), col("error")).limit(COMMON_ERRORS).collectAsList()) {
            common.add(new ErrorCount(r.getString(0), r.getLong(1)));
        }
        return new JobSummary(output, totals.getLong(0), totals.getLong(1), totals.isNullAt(2) ? 0 : totals.getLong(2),
                common, run, alreadyDone, seconds, cores);
    }

    public void print(PrintWriter out) {
        out.printf(Locale.ROOT, "loupe annotate: %d images, %d annotated, %d errors, %d tokens generated, %.1f s%n",
                rows, rows - errors, errors, generatedTokens, seconds);
        if (alreadyDone > 0) {
            out.printf(Locale.ROOT, "loupe annotate: resumed: %d images were already done, this run annotated %d%n",
                    alreadyDone, run.images());
        }
        if (run.images() > 0) {
            out.printf(Locale.ROOT, "loupe annotate: this run: %.0f images/hour on %d cores, %.1f core-hours per million images%n",
                    imagesPerHour(), cores, coreHoursPerMillionImages());
        }
        out.printf(Locale.ROOT, "loupe annotate: this run: %d prompt tokens (%d of them image), %d generated tokens%n",
                run.promptTokens(), run.stages().imageTokens(), run.generatedTokens());
        // Each row's own time, summed: rows in flight together (the batch scheduler, the cores)
        // overlap, so these add up to more than the wall time; they say where a row's time goes.
        RunMetrics.Stages st = run.stages();
        out.printf(Locale.ROOT, "loupe annotate: a row's time, summed over rows that overlap: encode %.1f s, prefill %.1f s, decode %.1f s "
                        + "(%.2f s per row from start to end)%n",
                st.encodeSeconds(), st.prefillSeconds(), st.decodeSeconds(), run.images() == 0 ? 0 : run.annotateSeconds() / run.images());
        out.printf(Locale.ROOT, "loupe annotate: model loads per executor: %s%n", loads(run.modelLoadsByExecutor()));
        out.printf("loupe annotate: Parquet written to %s%n", output);
        for (ErrorCount e : commonErrors) out.printf(Locale.ROOT, "  %6d x %s%n", e.count(), e.error());
    }

    /** This run's images per hour of wall time (rows already in a resumed output not counted). */
    public double imagesPerHour() {
        return seconds <= 0 ? 0 : run.images() * 3600 / seconds;
    }

    /** What a million images cost at this run's pace: wall hours times cores, per image, times a million. */
    public double coreHoursPerMillionImages() {
        return run.images() == 0 ? 0 : seconds * cores / 3600 / run.images() * 1e6;
    }

    private static String loads(Map<String, Integer> byExecutor) {
        if (byExecutor.isEmpty()) return "none";
        StringBuilder b = new StringBuilder();
        byExecutor.forEach((executor, n) -> b.append(b.isEmpty() ? "" : ", ").append(executor).append('=').append(n));
        return b.toString();
    }
}
