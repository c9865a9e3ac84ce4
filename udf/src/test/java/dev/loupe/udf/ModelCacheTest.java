package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.vlm.ImageAnnotator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ModelCacheTest {
    private static final ModelKey A = new ModelKey("/m/a.gguf", "/m/a-mmproj.gguf", null);
    private static final ModelKey B = new ModelKey("/m/b.gguf", "/m/b-mmproj.gguf", null);

    @Test
    void thirtyTwoThreadsOnTwoKeysLoadEachKeyOnce() throws Exception {
        Map<ModelKey, AtomicInteger> invocations = new ConcurrentHashMap<>();
        ModelCache cache = new ModelCache(key -> {
            invocations.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            sleep(200); // a slow load, so that all callers arrive while it is under way
            return new FakeAnnotator();
        });
        int threads = 32;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<ImageAnnotator>> a = new ArrayList<>();
        List<Future<ImageAnnotator>> b = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                ModelKey key = i % 2 == 0 ? A : B;
                Future<ImageAnnotator> f = pool.submit(() -> {
                    start.await();
                    return cache.get(key);
                });
                (key == A ? a : b).add(f);
            }
            start.countDown();
            ImageAnnotator first = a.getFirst().get();
            for (Future<ImageAnnotator> f : a) assertSame(first, f.get(), "every caller of key A gets the same annotator");
            ImageAnnotator firstB = b.getFirst().get();
            for (Future<ImageAnnotator> f : b) assertSame(firstB, f.get(), "every caller of key B gets the same annotator");
            assertTrue(first != firstB, "two keys, two annotators");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, invocations.get(A).get());
        assertEquals(1, invocations.get(B).get());
        assertEquals(1, cache.loadCount(A));
        assertEquals(1, cache.loadCount(B));
        assertSame(a.getFirst().get(), cache.get(A), "later calls hit the cache");
        assertEquals(1, cache.loadCount(A));
    }

    @Test
    void aSlowLoadDoesNotBlockOtherKeys() throws Exception {
        CountDownLatch bLoaded = new CountDownLatch(1);
        ModelCache cache = new ModelCache(key -> {
            if (key.equals(A)) {
                // A's load only finishes once B has been loaded by another thread: a cache-wide
                // lock held during loads would deadlock here (and the test time out).
                await(bLoaded);
            }
            return new FakeAnnotator();
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<ImageAnnotator> a = pool.submit(() -> cache.get(A));
            sleep(100);
            Future<ImageAnnotator> b = pool.submit(() -> {
                ImageAnnotator x = cache.get(B);
                bLoaded.countDown();
                return x;
            });
            assertInstanceOf(FakeAnnotator.class, b.get(10, TimeUnit.SECONDS));
            assertInstanceOf(FakeAnnotator.class, a.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedLoadReachesEveryWaiterAndIsRetriedByTheNextCall() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ModelCache cache = new ModelCache(key -> {
            if (attempts.incrementAndGet() == 1) {
                await(release);
                throw new IllegalStateException("disk on fire: " + key.model());
            }
            return new FakeAnnotator();
        });
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<ImageAnnotator>> calls = new ArrayList<>();
        try {
            AtomicInteger arrived = new AtomicInteger();
            for (int i = 0; i < threads; i++) {
                calls.add(pool.submit(() -> {
                    arrived.incrementAndGet();
                    return cache.get(A);
                }));
            }
            while (arrived.get() < threads) sleep(10);
            sleep(200); // let every caller get from "arrived" to waiting on the first load
            release.countDown();
            for (Future<ImageAnnotator> f : calls) {
                var e = assertThrows(java.util.concurrent.ExecutionException.class, f::get);
                ModelLoadException failure = assertInstanceOf(ModelLoadException.class, e.getCause());
                assertEquals("cannot load the model: disk on fire: /m/a.gguf", failure.getMessage());
                assertEquals(A, failure.key());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, cache.loadCount(A), "sixteen callers, one attempt");
        ImageAnnotator retried = cache.get(A);
        assertInstanceOf(FakeAnnotator.class, retried);
        assertEquals(2, cache.loadCount(A));
        assertSame(retried, cache.get(A));
        assertEquals(2, attempts.get());
    }

    @Test
    void aLoaderReturningNothingIsAFailureNamingTheKey() {
        ModelCache cache = new ModelCache(key -> null);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> cache.get(B));
        assertTrue(e.getMessage().contains("the loader returned no annotator"), e.getMessage());
        assertEquals(B, e.key());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("latch never opened");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
