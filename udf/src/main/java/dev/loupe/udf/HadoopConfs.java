package dev.loupe.udf;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The Hadoop configuration Loupe reads files with (images by path, remote models), with the
 * job's {@code spark.hadoop.*} settings (S3 credentials, HDFS name nodes...) as Spark's own
 * readers have them.
 */
final class HadoopConfs {
    private HadoopConfs() {}

    /**
     * On an executor or a driver with a running context: from Spark's conf. On the driver before
     * Spark starts (the annotate job checks its model first): from {@code spark.*} system
     * properties, which is where spark-submit puts {@code --conf} settings.
     */
    static Configuration current() {
        SparkEnv env = SparkEnv.get();
        return SparkHadoopUtil.get().newConfiguration(env != null ? env.conf() : new SparkConf());
    }
}
