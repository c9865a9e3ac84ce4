package dev.loupe.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a finished run wrote, counted from the committed output itself (not from accumulators,
 * which count retried and speculative tasks twice).
 *
 * @param rows            rows written
 * @param errors          rows with {@code error} set
 * @param generatedTokens tokens generated over all rows
 * @param commonErrors    the most frequent error messages with their counts, most frequent first
 * @param output          where the Parquet files are
 */
public record JobSummary(long rows, long errors, long generatedTokens, List<ErrorCount> commonErrors, String output) {
    private static final int COMMON_ERRORS = 5;

    public record ErrorCount(String error, long count) {}

    static JobSummary read(SparkSession spark, String output) {
        Dataset<Row> written = spark.read().parquet(output);
        Row totals = written.agg(count(lit(1)), count(col("error")), sum(col("generated_tokens"))).first();
        List<ErrorCount> common = new ArrayList<>();
        for (Row r : written.where(col("error").isNotNull()).groupBy("error").count()
                .orderBy(desc("count"), col("error")).limit(COMMON_ERRORS).collectAsList()) {
            common.add(new ErrorCount(r.getString(0), r.getLong(1)));
        }
        return new JobSummary(totals.getLong(0), totals.getLong(1), totals.isNullAt(2) ? 0 : totals.getLong(2), common, output);
    }

    void print(PrintWriter out, double seconds) {
        out.printf(Locale.ROOT, "loupe annotate: %d images, %d annotated, %d errors, %d tokens generated, %.1f s%n",
                rows, rows - errors, errors, generatedTokens, seconds);
        out.printf("loupe annotate: Parquet written to %s%n", output);
        for (ErrorCount e : commonErrors) out.printf(Locale.ROOT, "  %6d x %s%n", e.count(), e.error());
    }
}
