package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * Continuous batching for one model in one JVM: callers (Spark task threads) submit requests
 * and wait on futures; one scheduler thread admits requests (image encode + prefill), then runs
 * decode steps for all active sequences together — one batched pass over the weights per
 * step — while sequences join and leave between steps.
 *
 * <p>Bounded: at most {@code maxBatch} sequences decode together, their KV caches hold at most
 * {@code kvBudgetBytes} together (a request whose cache would not fit waits, prepared, until
 * running sequences leave; one runs whatever its size, so nothing waits forever), and at most
 * {@code queueCapacity} requests wait; {@link #submit} blocks when the queue is full. Requests
 * are served first come, first served, so no task starves. The thread sleeps when there is
 * nothing to do. A request that fails (bad image, prompt too long) fails only its own future.
 */
public final class BatchScheduler implements AutoCloseable {
    private record Request(byte[] image, TaskRequest ask, GenerationSettings settings, ImageLimits limits, CompletableFuture<Annotation> result) {}

    private record Active(PreparedRequest request, Sequence sequence, CompletableFuture<Annotation> result) {}

    /** A prepared request and the KV bytes its sequence will take. */
    private record Held(Request request, PreparedRequest prepared, long cacheBytes) {}

    private static final Request STOP = new Request(null, null, null, null, null);

    private final BatchableAnnotator model;
    private final int maxBatch;
    private final long kvBudgetBytes;
    private final BlockingQueue<Request> queue;
    private final Thread worker;
    private volatile boolean closed;
    /** The most sequences that decoded together so far (diagnostics, tests). */
    private volatile int peakActive;

    /** A scheduler whose KV caches are bounded by the number of sequences only. */
    public BatchScheduler(BatchableAnnotator model, int maxBatch, int queueCapacity) {
        this(model, maxBatch, queueCapacity, Long.MAX_VALUE);
    }

    public BatchScheduler(BatchableAnnotator model, int maxBatch, int queueCapacity, long kvBudgetBytes) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        if (queueCapacity < 1) throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
        if (kvBudgetBytes < 1) throw new IllegalArgumentException("kvBudgetBytes must be >= 1, got " + kvBudgetBytes);
        this.model = model;
        this.maxBatch = maxBatch;
        this.kvBudgetBytes = kvBudgetBytes;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.worker = Thread.ofPlatform().daemon().name("loupe-scheduler").start(this::run);
    }

    /** The most sequences that have decoded together in one step so far. */
    public int peakActive() {
        return peakActive;
    }

    /** Queues a request; blocks while the queue is full. */
    public CompletableFuture<Annotation> submit(byte[] image, Task task, String prompt, GenerationSettings settings) throws InterruptedException {
        return submit(image, task, prompt, settings, ImageLimits.NONE);
    }

    /** Queues a request whose image is seen within {@code limits}; blocks while the queue is full. */
    public CompletableFuture<Annotation> submit(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits)
            throws InterruptedException {
        return submit(image, TaskRequest.of(task, prompt), settings, limits);
    }

    /**
     * Queues a request (which may name categories, or candidate labels for classify) whose image
     * is seen within {@code limits}; blocks while the queue is full.
     */
    public CompletableFuture<Annotation> submit(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits)
            throws InterruptedException {
        if (closed) throw new IllegalStateException("scheduler is closed");
        CompletableFuture<Annotation> result = new CompletableFuture<>();
        queue.put(new Request(image, request, settings, limits, result));
        return result;
    }

    private void run() {
        List<Active> active = new ArrayList<>();
        Held held = null;
        try {
            while (!closed) {
                // Idle: sleep until work arrives. Busy: take at most one request per step, so
                // that encoding a new image never stalls the running sequences for long; none
                // while a prepared one waits for KV room.
                if (held == null) {
                    Request next = active.isEmpty() ? queue.take() : active.size() < maxBatch ? queue.poll() : null;
                    if (next == STOP) break;
                    if (next != null) held = prepare(next);
                }
                if (held != null && (active.isEmpty() || activeBytes(active) + held.cacheBytes() <= kvBudgetBytes)) {
                    start(held, active);
                    held = null;
                }
                if (!active.isEmpty()) step(active);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            for (Active a : active) a.result().completeExceptionally(e);
            if (held != null) held.request().result().completeExceptionally(e);
            throw e;
        } finally {
            for (Active a : active) a.result().completeExceptionally(new CancellationException("scheduler closed"));
            if (held != null) held.request().result().completeExceptionally(new CancellationException("scheduler closed"));
            for (Request r; (r = queue.poll()) != null; ) if (r != STOP) r.result().completeExceptionally(new CancellationException("scheduler closed"));
        }
    }

    /**
     * Decodes and encodes the image and builds the prompt; null (the request failed) on bad input.
     * A classify request is scored right here, as a prefill would run, and is done: scoring its
     * candidates takes no decode steps to share (callers that can, such as the job's rows, score
     * it on their own thread instead and keep this one free).
     */
    private Held prepare(Request r) {
        try {
            PreparedRequest prepared = model.prepare(r.image(), r.ask(), r.limits());
            if (prepared.task().scoresCandidates()) {
                r.result().complete(model.labelScorer().annotation(prepared));
                return null;
            }
            return new Held(r, prepared, model.generator().cacheBytes(prepared.segments(), r.settings()));
        } catch (RuntimeException e) {
            r.result().completeExceptionally(e);
            return null;
        }
    }

    /** Prefills a held request; its sequence joins the next step, or is done already. */
    private void start(Held h, List<Active> active) {
        Request r = h.request();
        try {
            Sequence seq = model.generator().start(h.prepared().segments(), r.settings(), h.prepared().hidden(), model.answerGrammar(h.prepared()));
            if (seq.finished()) {
                r.result().complete(model.annotation(h.prepared(), seq.result()));
            } else {
                active.add(new Active(h.prepared(), seq, r.result()));
                peakActive = Math.max(peakActive, active.size());
            }
        } catch (RuntimeException e) {
            r.result().completeExceptionally(e);
        }
    }

    private static long activeBytes(List<Active> active) {
        long bytes = 0;
        for (Active a : active) bytes += a.sequence().cache().bytes();
        return bytes;
    }

    private void step(List<Active> active) {
        List<Sequence> sequences = new ArrayList<>(active.size());
        for (Active a : active) sequences.add(a.sequence());
        model.generator().step(sequences);
        for (Iterator<Active> it = active.iterator(); it.hasNext(); ) {
            Active a = it.next();
            if (a.sequence().finished()) {
                it.remove();
                a.result().complete(model.annotation(a.request(), a.sequence().result()));
            }
        }
    }

    /** Stops the scheduler; requests not finished yet fail with a CancellationException. */
    @Override
    public void close() {
        closed = true;
        for (Request r; (r = queue.poll()) != null; ) {
            if (r != STOP) r.result().completeExceptionally(new CancellationException("scheduler closed"));
        }
        if (!queue.offer(STOP)) worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
