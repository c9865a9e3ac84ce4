package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComputePoolTest {

    @Test
    void everyIndexRunsExactlyOnceAcrossManyShortJobs() {
        ComputePool pool = new ComputePool(3);
        for (int job = 0; job < 2000; job++) {
            int n = 1 + job % 97;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            pool.parallelFor(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "job " + job + " index " + i);
        }
    }

    @Test
    void concurrentCallersAndNestedCallsAreAllServed() throws Exception {
        ComputePool pool = new ComputePool(2);
        try (ExecutorService callers = Executors.newFixedThreadPool(4)) {
            List<Future<Long>> sums = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                sums.add(callers.submit(() -> {
                    long total = 0;
                    for (int rep = 0; rep < 200; rep++) {
                        long[] partial = new long[64];
                        pool.parallelFor(64, 1, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                long[] inner = new long[1];
                                int k = i;
                                pool.parallelFor(4, 1, (a, b) -> { for (int j = a; j < b; j++) inner[0] += k; }); // runs inline
                                partial[i] = inner[0];
                            }
                        });
                        for (long p : partial) total += p;
                    }
                    return total;
                }));
            }
            long expected = 200L * 4 * (63L * 64 / 2);
            for (Future<Long> f : sums) assertEquals(expected, f.get());
        }
    }

    /**
     * A caller that finds the pool busy runs its body on its own thread, and what that body
     * calls runs there too, even if the pool has become free meanwhile: a body written for
     * one thread is never run by several at once.
     */
    @Test
    void aBodyRunInlineBecauseThePoolWasBusyNeverFansOut() throws Exception {
        ComputePool pool = new ComputePool(2);
        CountDownLatch inside = new CountDownLatch(2), release = new CountDownLatch(1);
        Thread busy = new Thread(() -> pool.parallelFor(2, 1, (a, b) -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        busy.start();
        inside.await();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        pool.parallelFor(8, 1, (a, b) -> {
            release.countDown();
            try {
                busy.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.parallelFor(64, 1, (c, d) -> {
                threads.add(Thread.currentThread());
                try {
                    Thread.sleep(5); // time enough for an idle worker to claim a chunk, were it offered one
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        });
        assertEquals(Set.of(Thread.currentThread()), threads);
    }

    @Test
    void aFailingChunkFailsTheCallAndThePoolKeepsWorking() {
        ComputePool pool = new ComputePool(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(100, 1, (from, to) -> {
            if (from == 0) throw new IllegalStateException("chunk failed");
        }));
        assertEquals("chunk failed", e.getMessage());
        AtomicIntegerArray hits = new AtomicIntegerArray(10);
        pool.parallelFor(10, 1, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
        for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i));
    }
}
