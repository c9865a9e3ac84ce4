package dev.loupe.job;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The jobs' progress on the console: rows done of the total, images per hour so far and the time
 * left at that pace, one line as Spark tasks finish, at most every {@code spark.loupe.progressSeconds}
 * (default 30). Spark's own progress bar counts tasks; this counts images, which is what a user
 * waits for.
 *
 * <p>A listener on Spark's bus: it runs on the driver after each task's accumulator updates have
 * been merged, so reading the images accumulator there sees every finished task's rows, each
 * once whatever the retries and speculative copies.
 */
final class JobProgress extends SparkListener {
    static final String INTERVAL_KEY = "spark.loupe.progressSeconds";
    static final double DEFAULT_INTERVAL_SECONDS = 30;

    private final LongSupplier done;
    private final long total;
    private final LongSupplier clockNanos;
    private final long intervalNanos;
    private final Consumer<String> out;
    private final long startNanos;
    private long lastPrintNanos;
    private long lastDone = -1;

    /**
     * @param done          rows annotated so far (the run's images accumulator)
     * @param total         rows this run will annotate
     * @param clockNanos    the time (System::nanoTime, or a test's clock)
     * @param intervalSeconds the least time between two lines (0: a line per finished task that added rows)
     * @param out           where each line goes (the log)
     */
    JobProgress(LongSupplier done, long total, LongSupplier clockNanos, double intervalSeconds, Consumer<String> out) {
        this.done = done;
        this.total = total;
        this.clockNanos = clockNanos;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.out = out;
        this.startNanos = clockNanos.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        long now = clockNanos.getAsLong();
        long n = done.getAsLong();
        if (n == lastDone || n >= total || now - lastPrintNanos < intervalNanos) return; // the summary says when all are done
        lastDone = n;
        lastPrintNanos = now;
        out.accept(line(n, total, (now - startNanos) / 1e9));
    }

    /** E.g. {@code 40 / 100 images (40%), 1200 images/hour, about 3 min left}. */
    static String line(long done, long total, double seconds) {
        double perHour = seconds <= 0 ? 0 : done * 3600 / seconds;
        String left = perHour <= 0 ? "" : ", about " + duration((total - done) * 3600 / perHour) + " left";
        return String.format(Locale.ROOT, "%d / %d images (%d%%), %.0f images/hour%s", done, total, total == 0 ? 100 : done * 100 / total,
                perHour, left);
    }

    /** Seconds as a person reads a wait: 45 s, 12 min, 3.5 h. */
    static String duration(double seconds) {
        if (seconds < 90) return String.format(Locale.ROOT, "%.0f s", seconds);
        if (seconds < 90 * 60) return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
}
