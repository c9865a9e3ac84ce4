package dev.loupe.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one compute pool of a JVM: kernels split their rows over it. Sized from the available
 * cores unless {@code loupe.threads} says otherwise.
 *
 * <p>Built for many short jobs: a decode step is ~200 matrix products of tens of microseconds
 * each, where a fork/join dispatch would cost as much as the work. Workers spin briefly
 * waiting for the next job before parking, the calling thread works on the job too, and
 * chunks are claimed from an atomic counter. One job runs at a time; a caller that finds the
 * pool busy (another Spark task thread) runs its job on its own thread instead of waiting.
 */
public final class ComputePool {
    /** A body that processes the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** How long an idle worker spins for the next job before parking. */
    private static final long SPIN_NANOS = 50_000;

    private static volatile ComputePool shared;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private final ThreadLocal<Boolean> insideJob = ThreadLocal.withInitial(() -> false);

    /** One parallelFor call. Workers keep the reference they took, so a late worker can only find it exhausted. */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
        }
    }

    /** The current job; null between jobs. */
    private volatile Job current;

    public ComputePool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("loupe-compute-" + i).start(this::workerLoop);
        }
    }

    /** The JVM-wide pool, created on first use with one thread per core the JVM sees. */
    public static ComputePool shared() {
        return shared(Runtime.getRuntime().availableProcessors());
    }

    /**
     * The JVM-wide pool; the first call creates it with {@code loupe.threads} threads when that
     * property is set, else {@code defaultThreads} (a Spark executor passes its share of the
     * node). Once the pool exists, the argument changes nothing.
     */
    public static ComputePool shared(int defaultThreads) {
        ComputePool p = shared;
        if (p == null) {
            synchronized (ComputePool.class) {
                p = shared;
                if (p == null) {
                    int n = Integer.getInteger("loupe.threads", defaultThreads);
                    shared = p = new ComputePool(Math.max(1, n));
                }
            }
        }
        return p;
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} items, in parallel when
     * that pays. Returns when every chunk is done; the first exception of a chunk is rethrown.
     */
    public void parallelFor(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(threads * 4, Math.max(1, n / Math.max(1, grain)));
        if (insideJob.get()) {
            body.run(0, n);
            return;
        }
        if (threads == 1 || chunks <= 1 || !submitLock.tryLock()) {
            // Inline, and marked as inside a job: a body run this way never fans out either, so
            // a body is never run concurrently with itself unless it was handed to the pool.
            insideJob.set(true);
            try {
                body.run(0, n);
            } finally {
                insideJob.set(false);
            }
            return;
        }
        try {
            Job job = new Job(body, n, chunks);
            current = job;
            for (Thread w : workers) LockSupport.unpark(w);
            work(job);
            while (job.done.get() < job.chunks) Thread.onSpinWait();
            current = null;
            Throwable f = job.failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
        } finally {
            submitLock.unlock();
        }
    }

    /** Claims and runs chunks of {@code job} until none is left. */
    private void work(Job job) {
        insideJob.set(true);
        try {
            for (int c; (c = job.next.getAndIncrement()) < job.chunks; ) {
                try {
                    if (job.failure == null) job.body.run((int) ((long) job.n * c / job.chunks), (int) ((long) job.n * (c + 1) / job.chunks));
                } catch (RuntimeException | Error e) {
                    if (job.failure == null) job.failure = e;
                } finally {
                    job.done.incrementAndGet();
                }
            }
        } finally {
            insideJob.set(false);
        }
    }

    private void workerLoop() {
        Job last = null;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job job;
            while ((job = current) == null || job == last) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            last = job;
            work(job);
        }
    }
}
