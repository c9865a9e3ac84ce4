package dev.loupe.udf;

import dev.loupe.engine.kernels.ComputePool;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * Sizes an executor's compute pool from its Spark share of the node: {@code spark.executor.cores}
 * when the cluster manager sets it (capped by the cores the JVM sees), else every core the JVM
 * sees (local mode). An explicit {@code -Dloupe.threads} still wins (see {@link ComputePool#shared(int)}).
 * Without this, each of several executors on a node would start one thread per core of the
 * whole machine and they would fight over them.
 */
final class ExecutorThreads {
    static final String EXECUTOR_CORES = "spark.executor.cores";

    private ExecutorThreads() {}

    /** The JVM's pool, created for this executor's share of cores on first use. */
    static ComputePool pool() {
        SparkEnv env = SparkEnv.get();
        return ComputePool.shared(defaultThreads(env == null ? null : env.conf(), Runtime.getRuntime().availableProcessors()));
    }

    static int defaultThreads(SparkConf conf, int available) {
        if (conf == null || !conf.contains(EXECUTOR_CORES)) return available;
        return Math.max(1, Math.min(available, conf.getInt(EXECUTOR_CORES, available)));
    }
}
