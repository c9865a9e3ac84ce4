package dev.loupe.job;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;

/**
 * The cores a run had, for its cost in core-hours: the task slots of a local master, else every
 * executor's {@code spark.executor.cores}. Read at the end of the run, so executors that came and
 * went in between are not counted; an approximation for dynamic allocation, exact otherwise.
 */
final class RunCores {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[(\\d+),(\\d+),\\d+]");

    private RunCores() {}

    static int of(SparkContext sc) {
        String master = sc.master();
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            String n = local.group(1);
            return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
        }
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        if (cluster.matches()) return Integer.parseInt(cluster.group(1)) * Integer.parseInt(cluster.group(2));
        // A cluster: the scheduler's default parallelism is its total cores, unless the user set it.
        int executors = sc.statusTracker().getExecutorInfos().length - 1; // the driver is listed too
        if (sc.conf().contains("spark.executor.cores") && executors > 0) {
            return executors * sc.conf().getInt("spark.executor.cores", 1);
        }
        return sc.conf().contains("spark.default.parallelism") ? Math.max(executors, 1) : sc.defaultParallelism();
    }
}
