package dev.loupe.job.eval;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The eval job from another package's tests: its command line run on an existing session. */
public final class EvalJobs {
    private EvalJobs() {}

    public static EvalReport run(SparkSession spark, List<String> args) {
        return EvalJob.run(spark, EvalJobTest.options(args.toArray(String[]::new)), new PrintWriter(new StringWriter()));
    }
}
