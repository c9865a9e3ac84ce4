package dev.loupe.udf;

import java.io.Serializable;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Loupe's Spark accumulators (named {@code loupe.*}, so they show in the Spark UI next to the
 * stage that annotates). Created on the driver, shipped inside the task closure, updated on the
 * executors; {@link #snapshot()} on the driver after the run.
 *
 * <p>They are updated in the stage that writes the output, whose tasks are result tasks: Spark
 * applies a result task's updates once per partition, whatever the retries and speculative
 * copies, so the totals count each row of this run once.
 */
public final class LoupeMetrics implements Serializable {
    private final LongAccumulator images;
    private final LongAccumulator errors;
    private final LongAccumulator promptTokens;
    private final LongAccumulator generatedTokens;
    private final DoubleAccumulator annotateSeconds;
    private final LongAccumulator imageTokens;
    private final DoubleAccumulator encodeSeconds;
    private final DoubleAccumulator prefillSeconds;
    private final DoubleAccumulator decodeSeconds;
    private final ModelLoadsAccumulator modelLoads;

    private LoupeMetrics(SparkContext sc) {
        images = sc.longAccumulator("loupe.images");
        errors = sc.longAccumulator("loupe.errors");
        promptTokens = sc.longAccumulator("loupe.promptTokens");
        generatedTokens = sc.longAccumulator("loupe.generatedTokens");
        annotateSeconds = sc.doubleAccumulator("loupe.annotateSeconds");
        imageTokens = sc.longAccumulator("loupe.imageTokens");
        encodeSeconds = sc.doubleAccumulator("loupe.encodeSeconds");
        prefillSeconds = sc.doubleAccumulator("loupe.prefillSeconds");
        decodeSeconds = sc.doubleAccumulator("loupe.decodeSeconds");
        modelLoads = new ModelLoadsAccumulator();
        sc.register(modelLoads, "loupe.modelLoadsByExecutor");
    }

    /** New accumulators for one run, registered with the context. */
    public static LoupeMetrics register(SparkContext sc) {
        return new LoupeMetrics(sc);
    }

    /** Counts one annotated row (a result row of {@link AnnotationSchema#resultType()} or the full output row). */
    void recordRow(Row result) {
        images.add(1);
        if (!result.isNullAt(result.fieldIndex("error"))) errors.add(1);
        promptTokens.add(intOrZero(result, "prompt_tokens"));
        generatedTokens.add(intOrZero(result, "generated_tokens"));
        annotateSeconds.add(result.<Double>getAs("seconds"));
        imageTokens.add(intOrZero(result, "image_tokens"));
        encodeSeconds.add(doubleOrZero(result, "encode_seconds"));
        prefillSeconds.add(doubleOrZero(result, "prefill_seconds"));
        decodeSeconds.add(doubleOrZero(result, "decode_seconds"));
    }

    void recordModelLoads(String executorId, int loads) {
        if (loads > 0) modelLoads.add(new ModelLoadsAccumulator.Report(executorId, loads));
    }

    /**
     * Rows annotated so far, as the driver has merged them: a finished task's rows count once its
     * result is in (for progress while the run's action is under way; see {@link #snapshot()}).
     */
    public long imagesSoFar() {
        return images.value();
    }

    /** The totals so far; call on the driver after the run's action. */
    public RunMetrics snapshot() {
        return new RunMetrics(images.value(), errors.value(), promptTokens.value(), generatedTokens.value(),
                annotateSeconds.value(), new RunMetrics.Stages(imageTokens.value(), encodeSeconds.value(), prefillSeconds.value(),
                decodeSeconds.value()), new TreeMap<>(modelLoads.value()));
    }

    private static double doubleOrZero(Row r, String field) {
        int i = r.fieldIndex(field);
        return r.isNullAt(i) ? 0 : r.getDouble(i);
    }

    private static long intOrZero(Row r, String field) {
        int i = r.fieldIndex(field);
        return r.isNullAt(i) ? 0 : r.getInt(i);
    }
}
