package dev.loupe.engine.eval;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * REC metrics over a set of samples, as lmms-eval aggregates them (the mean of each per-sample
 * score over all samples): accuracy at each of {@link BoxResult#THRESHOLDS}, mean IoU and
 * centre accuracy, plus how many samples were not scored and why. Samples with unusable ground
 * truth are counted but left out of the means.
 *
 * <p>The IoU sum is kept exactly (a {@link BigDecimal} of the doubles), so totals merged in any
 * order — Spark's partitions finish in any order — give the same mean to the last bit.
 */
public final class BoxTotals implements Serializable {
    private final long[] byOutcome = new long[Outcome.values().length];
    private final long[] hits = new long[BoxResult.THRESHOLDS.length];
    private long centreHits;
    private BigDecimal iouSum = BigDecimal.ZERO;

    public void add(BoxResult r) {
        byOutcome[r.outcome().ordinal()]++;
        if (r.outcome() == Outcome.BAD_TRUTH) return;
        for (int i = 0; i < hits.length; i++) if (r.hitAt(BoxResult.THRESHOLDS[i])) hits[i]++;
        if (r.centreHit()) centreHits++;
        iouSum = iouSum.add(new BigDecimal(r.iou()));
    }

    public void merge(BoxTotals other) {
        for (int i = 0; i < byOutcome.length; i++) byOutcome[i] += other.byOutcome[i];
        for (int i = 0; i < hits.length; i++) hits[i] += other.hits[i];
        centreHits += other.centreHits;
        iouSum = iouSum.add(other.iouSum);
    }

    /** Samples in the means: every one but those with unusable ground truth. */
    public long samples() {
        long n = 0;
        for (Outcome o : Outcome.values()) if (o != Outcome.BAD_TRUTH) n += byOutcome[o.ordinal()];
        return n;
    }

    public long count(Outcome outcome) {
        return byOutcome[outcome.ordinal()];
    }

    /** The fraction of samples with IoU at or above {@code BoxResult.THRESHOLDS[i]}; 0 without samples. */
    public double accuracy(int i) {
        return ratio(hits[i]);
    }

    public long hits(int i) {
        return hits[i];
    }

    public double meanIou() {
        long n = samples();
        return n == 0 ? 0 : iouSum.divide(BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
    }

    public double centreAccuracy() {
        return ratio(centreHits);
    }

    public long centreHits() {
        return centreHits;
    }

    private double ratio(long k) {
        long n = samples();
        return n == 0 ? 0 : (double) k / n;
    }
}
