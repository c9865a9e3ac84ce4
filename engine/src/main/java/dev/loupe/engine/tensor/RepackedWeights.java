package dev.loupe.engine.tensor;

import dev.loupe.engine.kernels.ComputePool;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * What repacking a model's weights at load made ({@link WeightMatrix#repack}): how many
 * matrices, the bytes of their off-heap copies and the seconds it took — for the load log line,
 * since the copies add to the executor's memory beyond the heap and the mapping.
 */
public record RepackedWeights(int matrices, long bytes, double seconds) {
    public static final RepackedWeights NONE = new RepackedWeights(0, 0, 0);

    /** Repacks every matrix of {@code ms} whose type has a repacked form, each split over the pool. */
    public static RepackedWeights of(Iterable<WeightMatrix> ms, ComputePool pool) {
        return each(ms, m -> m.repack(pool));
    }

    /** As {@link #of}, for a vision encoder's matrices ({@link WeightMatrix#repackForPrompts}): 16-bit ones too. */
    public static RepackedWeights forPrompts(Iterable<WeightMatrix> ms, ComputePool pool) {
        return each(ms, m -> m.repackForPrompts(pool));
    }

    private static RepackedWeights each(Iterable<WeightMatrix> ms, ToLongFunction<WeightMatrix> repack) {
        long start = System.nanoTime(), bytes = 0;
        int count = 0;
        for (WeightMatrix m : ms) {
            long b = repack.applyAsLong(m);
            if (b > 0) {
                count++;
                bytes += b;
            }
        }
        return count == 0 ? NONE : new RepackedWeights(count, bytes, (System.nanoTime() - start) / 1e9);
    }

    /** Both copies together: a text model's and its vision encoder's. */
    public RepackedWeights plus(RepackedWeights other) {
        return new RepackedWeights(matrices + other.matrices, bytes + other.bytes, seconds + other.seconds);
    }

    /** "repacked 196 matrices (3.95 GB) in 2.10 s", or "no weights repacked". */
    public String describe() {
        if (matrices == 0) return "no weights repacked";
        return String.format(Locale.ROOT, "repacked %d matrices (%.2f GB) in %.2f s", matrices, bytes / 1e9, seconds);
    }
}
