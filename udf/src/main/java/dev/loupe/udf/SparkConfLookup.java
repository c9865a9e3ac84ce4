package dev.loupe.udf;

import java.util.function.UnaryOperator;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;

/**
 * Reads {@code spark.loupe.*} settings where Spark makes them visible, for the UDF classes that
 * PySpark's {@code registerJavaFunction} instantiates with no arguments.
 *
 * <p>On an executor, inside a task: the job's SQL conf, which Spark copies into the task's local
 * properties (so {@code spark.conf.set("spark.loupe.model", ...)} at run time works), then the
 * executor's SparkConf ({@code --conf} at submit time). On the driver: the active session's conf.
 * Last, JVM system properties.
 */
final class SparkConfLookup {
    private SparkConfLookup() {}

    /** Looks up option {@code name} as {@code spark.loupe.<name>}. */
    static UnaryOperator<String> loupeOptions() {
        return name -> lookup(AnnotatorSpec.CONF_PREFIX + name);
    }

    static String lookup(String key) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            String v = task.getLocalProperty(key);
            if (v != null) return v;
        } else {
            var session = SparkSession.getActiveSession();
            if (session.isDefined()) {
                String v = session.get().conf().get(key, null);
                if (v != null) return v;
            }
        }
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            String v = env.conf().get(key, null);
            if (v != null) return v;
        }
        return System.getProperty(key);
    }
}
