package dev.loupe.engine.eval;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * RES metrics over a set of samples, as the referring-segmentation papers report them: gIoU,
 * the mean of the per-sample IoUs, and cIoU, the total intersection over the total union
 * (LISA's {@code giou}/{@code ciou}; LAVT's "mIoU"/"oIoU"), without the papers' 1e-5 / 1e-10
 * guards against an empty union. Misses count with IoU 0 and add the ground truth's area to the
 * union. Samples with unusable ground truth are counted but left out.
 */
public final class MaskTotals implements Serializable {
    private final long[] byOutcome = new long[Outcome.values().length];
    private BigDecimal iouSum = BigDecimal.ZERO;
    private long intersection;
    private long union;

    public void add(MaskResult r) {
        byOutcome[r.outcome().ordinal()]++;
        if (r.outcome() == Outcome.BAD_TRUTH) return;
        iouSum = iouSum.add(new BigDecimal(r.iou()));
        intersection += r.overlap().intersection();
        union += r.overlap().union();
    }

    public void merge(MaskTotals other) {
        for (int i = 0; i < byOutcome.length; i++) byOutcome[i] += other.byOutcome[i];
        iouSum = iouSum.add(other.iouSum);
        intersection += other.intersection;
        union += other.union;
    }

    public long samples() {
        long n = 0;
        for (Outcome o : Outcome.values()) if (o != Outcome.BAD_TRUTH) n += byOutcome[o.ordinal()];
        return n;
    }

    public long count(Outcome outcome) {
        return byOutcome[outcome.ordinal()];
    }

    /** The mean per-sample IoU; 0 without samples. */
    public double gIou() {
        long n = samples();
        return n == 0 ? 0 : iouSum.divide(BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
    }

    /** Total intersection over total union; 0 when the union is empty. */
    public double cIou() {
        return union == 0 ? 0 : (double) intersection / union;
    }

    public long intersection() {
        return intersection;
    }

    public long union() {
        return union;
    }
}
