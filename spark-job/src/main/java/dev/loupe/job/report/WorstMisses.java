package dev.loupe.job.report;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The {@code size} worst samples of a stream in {@link EvaluationSample#WORST_FIRST} order, in one
 * pass and {@code size} samples of memory (a heap whose head is the best of those kept, replaced
 * when a worse one comes): a benchmark's output may hold millions of samples.
 */
final class WorstMisses {
    private final int size;
    private final PriorityQueue<EvaluationSample> kept;
    private long ranked, skipped;

    WorstMisses(int size) {
        if (size < 1) throw new IllegalArgumentException("--worst must be at least 1, got " + size);
        this.size = size;
        this.kept = new PriorityQueue<>(size + 1, EvaluationSample.WORST_FIRST.reversed());
    }

    void offer(EvaluationSample s) {
        if (!s.ranked()) {
            skipped++; // bad ground truth, or nothing evaluated: not the model's miss, and left out of the metrics too
            return;
        }
        ranked++;
        kept.add(s);
        if (kept.size() > size) kept.poll();
    }

    /** The worst samples, worst first. */
    List<EvaluationSample> worst() {
        List<EvaluationSample> out = new ArrayList<>(kept);
        out.sort(EvaluationSample.WORST_FIRST);
        return out;
    }

    /** Samples that were ranked: every sample the metrics count. */
    long ranked() {
        return ranked;
    }

    /** Samples left out: bad ground truth or not evaluated. */
    long skipped() {
        return skipped;
    }
}
