package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
 * <p>Bounded: at most {@code maxBatch} sequences decode together, and at most
 * {@code queueCapacity} requests wait ({@link #submit} blocks when the queue is full). The KV
 * caches the scheduler holds stay within {@code kvBudgetBytes} together: the decoding sequences'
 * caches, the shared prefix of an image's tasks from its prefill until the last task that goes on
 * from it has started (each task's cache is a copy of the prefix's cells and its own, so the
 * prefix is counted apart, once), and a classify request's cache while its candidates are scored.
 * A request that would not fit waits, prepared, until running sequences leave; when none runs it
 * starts whatever its size (an image's tasks whose prefix alone exceeds the budget then run one
 * at a time), so nothing waits forever. Requests are served first come, first served, so no task
 * starves. The thread sleeps when there is nothing to do. A request that fails (bad image, prompt
 * too long) fails only its own future.
 *
 * <p>Several tasks asked of one image ({@link #submitAll}) are prepared together from one encode,
 * and those whose prompts begin alike go on from one prefill of the shared prefix: each task then
 * joins the decode steps as an ordinary sequence, with the answer it gets alone.
 *
 * <p>Classify requests run here too, on this thread and within the budget: scoring the candidates
 * (a prefill and one short pass per candidate) takes no decode steps, so such a request is done as
 * soon as it starts, with the annotation {@link LabelScorer} gives it outside any scheduler.
 */
public final class BatchScheduler implements AutoCloseable {
    /** What a caller submitted: the tasks asked of one image, and one future per task. */
    private record Request(ImageTasks tasks, List<CompletableFuture<Annotation>> results) {}

    private record Active(PreparedRequest request, Sequence sequence, CompletableFuture<Annotation> result) {}

    /**
     * A prepared request (a member of its image's group) and the KV bytes it takes of its own: its
     * sequence's cache, or for classify the cache its candidates are scored in.
     */
    private record Held(PreparedImageTasks group, PreparedImageTasks.Member member, long ownBytes) {
        /** The bytes starting it adds: its own, and its group's shared prefix when it is the first to need it. */
        long startBytes() {
            return ownBytes + (member.shares() && !group.holdsPrefix() ? group.prefixBytes() : 0);
        }

        boolean scores() {
            return member.prepared().task().scoresCandidates();
        }
    }

    private static final Request STOP = new Request(null, null);

    private final BatchableAnnotator model;
    private final int maxBatch;
    private final long kvBudgetBytes;
    private final BlockingQueue<Request> queue;
    private final Thread worker;
    private volatile boolean closed;
    /** The most sequences that decoded together so far (diagnostics, tests). */
    private volatile int peakActive;
    /** The most KV bytes held together so far, by the budget's accounting (diagnostics, tests). */
    private volatile long peakKvBytes;

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

    /**
     * The most KV cache bytes held together so far, counted as the budget counts them: within
     * {@code kvBudgetBytes} unless one request (or one image's tasks, run one at a time) alone
     * exceeded it.
     */
    public long peakKvBytes() {
        return peakKvBytes;
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
        return submitAll(ImageTasks.of(image, request, settings, limits)).getFirst();
    }

    /**
     * Queues several tasks asked of one image (one place in the queue); blocks while the queue is
     * full. One future per request, in order: the image is encoded once and the prompts' shared
     * prefix prefilled once; a request that fails fails its own future, a bad image all of them.
     */
    public List<CompletableFuture<Annotation>> submitAll(ImageTasks tasks) throws InterruptedException {
        if (closed) throw new IllegalStateException("scheduler is closed");
        List<CompletableFuture<Annotation>> results = new ArrayList<>();
        for (int i = 0; i < tasks.requests().size(); i++) results.add(new CompletableFuture<>());
        queue.put(new Request(tasks, List.copyOf(results)));
        return results;
    }

    private void run() {
        List<Active> active = new ArrayList<>();
        Deque<Held> waiting = new ArrayDeque<>();
        try {
            while (!closed) {
                // Idle: sleep until work arrives. Busy: take at most one request (one image) per step, so
                // that encoding a new image never stalls the running sequences for long; none
                // while prepared ones wait for room.
                if (waiting.isEmpty()) {
                    Request next = active.isEmpty() ? queue.take() : active.size() < maxBatch ? queue.poll() : null;
                    if (next == STOP) break;
                    if (next != null) prepare(next, waiting);
                }
                // The tasks of one image start together when there is room: each is a short prefill from the shared prefix.
                while (!waiting.isEmpty() && (active.isEmpty() || active.size() < maxBatch && fits(waiting.peek(), active))) {
                    start(waiting.poll(), active, waiting);
                }
                if (!active.isEmpty()) step(active);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            for (Active a : active) a.result().completeExceptionally(e);
            for (Held h : waiting) h.member().result().completeExceptionally(e);
            throw e;
        } finally {
            for (Active a : active) a.result().completeExceptionally(new CancellationException("scheduler closed"));
            for (Held h : waiting) h.member().result().completeExceptionally(new CancellationException("scheduler closed"));
            for (Request r; (r = queue.poll()) != null; ) if (r != STOP) cancel(r);
        }
    }

    /**
     * Decodes and encodes the image and builds the prompts; what is left to do — generate, or
     * score a classify request's candidates — waits in {@code waiting} with the KV bytes it will
     * take, a request that failed has its future failed. Multi-pass tasks run their passes here
     * (they prepare a prompt per pass, so their caches are not known ahead and not budgeted).
     */
    private void prepare(Request r, Deque<Held> waiting) {
        PreparedImageTasks group = PreparedImageTasks.prepare(model, r.tasks(), r.results());
        for (PreparedImageTasks.Member m : group.members()) {
            try {
                PreparedRequest p = m.prepared();
                long own = p.task().scoresCandidates() ? model.labelScorer().cacheBytes(p)
                        : model.generator().cacheBytes(p.segments(), r.tasks().settings());
                waiting.add(new Held(group, m, own));
            } catch (RuntimeException e) {
                m.result().completeExceptionally(e);
            }
        }
        group.runMultiPass();
    }

    /** Whether starting {@code h} keeps the KV caches held within the budget. */
    private boolean fits(Held h, List<Active> active) {
        return heldBytes(active, h.group()) + h.startBytes() <= kvBudgetBytes;
    }

    /**
     * Starts a held request: a generated one is prefilled (from its group's shared prefix, when it
     * shares one) and its sequence joins the next step, or is done already; a classify one is
     * scored and done. The last of its group to leave {@code waiting} releases the group's prefix.
     */
    private void start(Held h, List<Active> active, Deque<Held> waiting) {
        PreparedImageTasks.Member m = h.member();
        PreparedImageTasks group = h.group();
        try {
            if (h.scores()) {
                // The candidates' cache lives while they are scored, here: counted with what is held meanwhile.
                notePeak(heldBytes(active, group) + h.startBytes());
                m.result().complete(group.score(m));
                return;
            }
            Sequence seq = group.start(m);
            notePeak(heldBytes(active, group) + seq.cache().bytes());
            if (seq.finished()) {
                m.result().complete(model.annotation(m.prepared(), seq.result()));
            } else {
                active.add(new Active(m.prepared(), seq, m.result()));
                peakActive = Math.max(peakActive, active.size());
            }
        } catch (RuntimeException e) {
            m.result().completeExceptionally(e);
        } finally {
            // A group's members wait side by side (the queue is refilled only once waiting is empty).
            if (waiting.isEmpty() || waiting.peek().group() != group) group.releasePrefix();
        }
    }

    /**
     * The KV bytes held now, as they are really allocated: every decoding sequence's cache, and the
     * shared prefix of {@code group} — the image whose tasks are starting, the only one whose
     * prefix can be alive (earlier images' were released when their last task started).
     */
    private static long heldBytes(List<Active> active, PreparedImageTasks group) {
        long bytes = group.holdsPrefix() ? group.prefixBytes() : 0;
        for (Active a : active) bytes += a.sequence().cache().bytes();
        return bytes;
    }

    private void notePeak(long bytes) {
        peakKvBytes = Math.max(peakKvBytes, bytes);
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

    private static void cancel(Request r) {
        for (CompletableFuture<Annotation> f : r.results()) f.completeExceptionally(new CancellationException("scheduler closed"));
    }

    /** Stops the scheduler; requests not finished yet fail with a CancellationException. */
    @Override
    public void close() {
        closed = true;
        for (Request r; (r = queue.poll()) != null; ) {
            if (r != STOP) cancel(r);
        }
        if (!queue.offer(STOP)) worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
