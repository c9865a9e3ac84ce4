package dev.loupe.udf;

import dev.loupe.engine.vlm.ImageAnnotator;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded {@link ImageAnnotator} per {@link ModelKey} per JVM, so that all Spark tasks of an
 * executor share one memory-mapped model.
 *
 * <p>The first caller of a key loads it on its own thread; concurrent callers of the same key wait
 * for that load, callers of other keys are not blocked (no lock is held while loading). A failed
 * load is handed to every caller that was waiting for it and then forgotten, so the next call
 * tries again: a model file copied into place a moment later, or a transient I/O error, does not
 * poison the executor for good.
 */
public final class ModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
    private static final ModelCache SHARED = new ModelCache(ModelCache::loadWithConfiguredLoader);

    private final Function<ModelKey, ImageAnnotator> loader;
    private final ConcurrentHashMap<ModelKey, CompletableFuture<ImageAnnotator>> models = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ModelKey, AtomicInteger> loads = new ConcurrentHashMap<>();

    public ModelCache(Function<ModelKey, ImageAnnotator> loader) {
        this.loader = Objects.requireNonNull(loader, "loader");
    }

    /** The executor-wide cache the UDFs use; it loads with the key's {@link AnnotatorLoader}. */
    public static ModelCache shared() {
        return SHARED;
    }

    /**
     * The annotator for this key, loading it if nobody has yet.
     *
     * @throws ModelLoadException if the load failed (this caller's or the one it waited for)
     */
    public ImageAnnotator get(ModelKey key) {
        CompletableFuture<ImageAnnotator> existing = models.get(key);
        if (existing == null) {
            CompletableFuture<ImageAnnotator> mine = new CompletableFuture<>();
            existing = models.putIfAbsent(key, mine);
            if (existing == null) return load(key, mine);
        }
        return await(key, existing);
    }

    /** How many times this key's loader has been invoked in this JVM (failed attempts included). */
    public int loadCount(ModelKey key) {
        AtomicInteger n = loads.get(key);
        return n == null ? 0 : n.get();
    }

    private ImageAnnotator load(ModelKey key, CompletableFuture<ImageAnnotator> slot) {
        int attempt = loads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        long start = System.nanoTime();
        try {
            ImageAnnotator annotator = Objects.requireNonNull(loader.apply(key), "the loader returned no annotator");
            slot.complete(annotator);
            // One line per load in the executor's log: the cluster's own proof of "once per JVM".
            LOG.info("Loupe: loaded {} in {} s, {} (pid {}, load {} of this model in this JVM)", key,
                    String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9), annotator.repackedWeights().describe(),
                    ProcessHandle.current().pid(), attempt);
            return annotator;
        } catch (Throwable t) {
            // Forget the failure before publishing it, so a caller that retries after seeing it
            // starts a fresh load instead of finding the failed one again.
            models.remove(key, slot);
            slot.completeExceptionally(t);
            // One line per attempt (the rows say it again); the stack only matters for a bug.
            LOG.warn("Loupe: loading {} failed: {}", key, t.toString());
            LOG.debug("Loupe: loading {} failed", key, t);
            if (t instanceof Error e) throw e;
            throw new ModelLoadException(key, t);
        }
    }

    private static ImageAnnotator await(ModelKey key, CompletableFuture<ImageAnnotator> slot) {
        try {
            return slot.get();
        } catch (ExecutionException e) {
            throw new ModelLoadException(key, e.getCause());
        } catch (InterruptedException e) {
            // A killed Spark task is interrupted: keep the flag so Spark sees it, and stop waiting.
            Thread.currentThread().interrupt();
            throw new ModelLoadException(key, "interrupted while waiting for the model to load", e);
        }
    }

    private static ImageAnnotator loadWithConfiguredLoader(ModelKey key) {
        RemoteModelCopies copies = key.isRemote() ? RemoteModelCopies.forThisJvm() : null;
        Path model = ModelLocations.isRemote(key.model()) ? copies.localCopy(key.model()) : key.modelPath();
        Path mmproj = ModelLocations.isRemote(key.mmproj()) ? copies.localCopy(key.mmproj()) : key.mmprojPath();
        return AnnotatorLoaders.create(key.loader()).load(model, mmproj, key);
    }
}
