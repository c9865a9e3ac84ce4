package dev.loupe.job.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A uniform random sample of at most {@code size} items from a stream of unknown length, in one
 * pass and {@code size} items of memory (reservoir sampling, Algorithm R), returned in stream
 * order. Seeded, so the same table and seed give the same page.
 */
final class RowSampler<T> {
    private record Indexed<T>(long index, T item) {}

    private final int size;
    private final Random random;
    private final List<Indexed<T>> reservoir = new ArrayList<>();
    private long seen;

    RowSampler(int size, long seed) {
        if (size < 1) throw new IllegalArgumentException("the sample needs at least one row, got " + size);
        this.size = size;
        this.random = new Random(seed);
    }

    void offer(T item) {
        long index = seen++;
        if (reservoir.size() < size) {
            reservoir.add(new Indexed<>(index, item));
        } else {
            long j = random.nextLong(seen);
            if (j < size) reservoir.set((int) j, new Indexed<>(index, item));
        }
    }

    /** Items offered so far. */
    long seen() {
        return seen;
    }

    /** The sample, in the order the items came. */
    List<T> sample() {
        return reservoir.stream().sorted(Comparator.comparingLong(Indexed::index)).map(Indexed::item).toList();
    }
}
