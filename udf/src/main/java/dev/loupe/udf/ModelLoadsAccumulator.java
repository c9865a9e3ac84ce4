package dev.loupe.udf;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * Model loads per executor id, as each executor's {@link ModelCache} counts them.
 *
 * <p>Tasks report the executor's current count, and counts merge by taking the maximum, not the
 * sum: a JVM's count only grows, so the largest report is the latest, and a report repeated by a
 * retried or speculative task, or by every task of the executor, changes nothing. An executor
 * that dies before any of its tasks succeeds is not reported (Spark drops the accumulator
 * updates of failed tasks); its executor log still has the load line.
 */
public final class ModelLoadsAccumulator extends AccumulatorV2<ModelLoadsAccumulator.Report, Map<String, Integer>> {

    /** "Executor {@code executorId} has loaded the model {@code loads} times so far." */
    public record Report(String executorId, int loads) {}

    private final TreeMap<String, Integer> loads = new TreeMap<>();

    @Override
    public boolean isZero() {
        return loads.isEmpty();
    }

    @Override
    public ModelLoadsAccumulator copy() {
        ModelLoadsAccumulator c = new ModelLoadsAccumulator();
        c.loads.putAll(loads);
        return c;
    }

    @Override
    public void reset() {
        loads.clear();
    }

    @Override
    public void add(Report r) {
        loads.merge(r.executorId(), r.loads(), Math::max);
    }

    @Override
    public void merge(AccumulatorV2<Report, Map<String, Integer>> other) {
        other.value().forEach((executor, n) -> loads.merge(executor, n, Math::max));
    }

    @Override
    public Map<String, Integer> value() {
        return Collections.unmodifiableMap(new TreeMap<>(loads));
    }
}
