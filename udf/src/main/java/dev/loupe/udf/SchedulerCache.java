package dev.loupe.udf;

import dev.loupe.engine.vlm.BatchScheduler;
import dev.loupe.engine.vlm.BatchableAnnotator;
import dev.loupe.engine.vlm.ImageAnnotator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One engine batch scheduler per loaded model and batch size in an executor JVM: every Spark
 * task of the executor submits its rows to it, so each decode step serves rows of all tasks.
 */
final class SchedulerCache {
    private record Key(ModelKey model, int maxBatch) {}

    private static final Map<Key, BatchScheduler> SCHEDULERS = new ConcurrentHashMap<>();

    private SchedulerCache() {}

    /** Whether this JVM runs a scheduler for the model at that batch (for tests and diagnostics). */
    static boolean running(ModelKey key, int maxBatch) {
        return SCHEDULERS.containsKey(new Key(key, maxBatch));
    }

    /** The scheduler for this model, or null when the model cannot batch (then rows go one at a time). */
    static BatchScheduler forModel(ModelKey key, ImageAnnotator annotator, int maxBatch) {
        if (!(annotator instanceof BatchableAnnotator batchable)) return null;
        // The queue holds a few rows per batch slot so that the scheduler never waits for a task.
        return SCHEDULERS.computeIfAbsent(new Key(key, maxBatch), k -> new BatchScheduler(batchable, maxBatch, 4 * maxBatch, kvBudgetBytes()));
    }

    /** System property: the MiB of KV cache one scheduler's sequences may hold together. */
    static final String KV_MEMORY_PROPERTY = "loupe.kvMemoryMb";

    /**
     * The KV bytes a scheduler's running sequences may hold: {@code -Dloupe.kvMemoryMb=N} (in
     * {@code spark.executor.extraJavaOptions}), else half the JVM's heap — the other half is for
     * the images, embeddings and logits of the rows in flight and for Spark itself. A 4B model's
     * row at 4096 image tokens takes ~1.3 GB, so a small heap decodes fewer rows together
     * rather than running out of memory.
     */
    static long kvBudgetBytes() {
        long mb = Long.getLong(KV_MEMORY_PROPERTY, 0L);
        if (mb < 0) throw new IllegalArgumentException("-D" + KV_MEMORY_PROPERTY + " must be >= 1 (MiB), got " + mb);
        return mb > 0 ? mb << 20 : Math.max(1, Runtime.getRuntime().maxMemory() / 2);
    }
}
