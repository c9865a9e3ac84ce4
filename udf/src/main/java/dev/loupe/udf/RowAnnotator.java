package dev.loupe.udf;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.vlm.BatchScheduler;
import dev.loupe.engine.vlm.BatchableAnnotator;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ImageLimits;
import dev.loupe.engine.vlm.ImageTasks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work behind every Loupe UDF: one request in, one {@link AnnotationSchema#resultType()} row
 * out. Per-row problems (no or undecodable image, unknown task, missing prompt, a model that will
 * not load) become the row's {@code error}; they never fail the Spark task. Errors (out of memory,
 * ...) still do, so that Spark retries the task elsewhere.
 *
 * <p>Spark deserializes a fresh copy of each UDF for every task, so the transient fields below
 * live for one task: a model that failed to load is retried by the next task, not by every row.
 */
final class RowAnnotator implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(RowAnnotator.class);
    private static final Set<ModelKey> UNBATCHED_LOGGED = ConcurrentHashMap.newKeySet();

    /** Null when the settings come from {@code spark.loupe.*} at run time (PySpark's no-arg UDFs). */
    private final AnnotatorSpec fixedSpec;

    private transient AnnotatorSpec spec;
    private transient ModelLoadException loadFailure;
    private transient boolean loggedUnexpected;

    RowAnnotator(AnnotatorSpec fixedSpec) {
        this.fixedSpec = fixedSpec;
    }

    Row annotate(byte[] image, String task, String prompt) {
        return annotate(null, () -> image, task, prompt);
    }

    /**
     * A per-task SQL function's request, made from its arguments here: an argument that makes none
     * (labels of the wrong type) is the row's error under {@code task}, as start() writes one. The
     * image is read after the arguments are checked, so a path that cannot be read is the row's error too.
     */
    Row annotateMade(Supplier<byte[]> image, String task, Supplier<RowRequest> request) {
        RowRequest made;
        try {
            made = request.get();
        } catch (IllegalArgumentException e) {
            String model = fixedSpec != null ? fixedSpec.key().modelName() : null;
            return AnnotationRows.failure(task, null, model, describe(e), 0);
        }
        return start(null, image, made, false).row();
    }

    /** Same, reading the image from a path (local, HDFS, S3...) first. */
    Row annotateFile(String path, String task, String prompt) {
        return annotate(null, () -> ImageFiles.read(path), task, prompt);
    }

    /**
     * One request of the annotate job, run now.
     *
     * @param rowId the row's image id, or null when the caller has none (the SQL functions)
     */
    Row annotate(String rowId, Supplier<byte[]> imageSource, String taskName, String userPrompt) {
        return start(rowId, imageSource, RowRequest.of(taskName, userPrompt), false).row();
    }

    /** A row on its way: its result when ready, in the row's format. */
    interface Pending {
        Row row();
    }

    /**
     * Starts one request: on the executor's batch scheduler when {@code batched}, the spec asks
     * for batching and the model supports it (the result comes when the scheduler has it), else
     * right here. Per-row problems become the row's error either way, an invalid per-row limit,
     * categories given to a task that takes none and a classify row without candidate labels
     * included.
     */
    Pending start(String rowId, Supplier<byte[]> imageSource, RowRequest request, boolean batched) {
        long start = System.nanoTime();
        String model = null;
        String task = request.task();
        String prompt = request.prompt();
        try {
            AnnotatorSpec s = spec();
            model = s.key().modelName();
            task = Task.parse(request.task()).id;
            TaskRequest ask = taskRequest(request, s);
            Task parsed = ask.task();
            // The full prompt, for the row's output and its seed; the model applies the task itself,
            // so it gets the user's own (a task may wrap it: ground does).
            prompt = ask.instruction();
            byte[] image = imageSource.get();
            if (image == null) throw new IllegalArgumentException("no image (null)");
            if (image.length == 0) throw new IllegalArgumentException("empty image (0 bytes)");
            ImageLimits limits = ImageLimits.of(request.maxLongestEdge(), request.maxImageTokens());
            ImageAnnotator annotator = annotator(s);
            GenerationSettings settings = settingsFor(s, rowId, image, prompt);
            int batch = batched ? s.batchFor(reproducibleBatches(annotator, s)) : 1;
            // A multi-pass task's passes each need the last one's answer: they run here, one after the other, outside
            // the batch. Classify goes to the scheduler like the rest, whose thread scores it within its KV budget.
            BatchScheduler scheduler = batch > 1 && !parsed.multiPass() ? SchedulerCache.forModel(s.key(), annotator, batch) : null;
            start = System.nanoTime(); // the row's time excludes loading the model
            if (scheduler == null) {
                Row row = AnnotationRows.success(annotator.annotate(image, ask, settings, limits), model, seconds(start));
                return () -> row;
            }
            CompletableFuture<Annotation> future = scheduler.submit(image, ask, settings, limits);
            return waitFor(future, task, prompt, model, start);
        } catch (RuntimeException e) {
            Row row = AnnotationRows.failure(task, prompt, model, describe(e), seconds(start));
            return () -> row;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing a row", e);
        }
    }

    /**
     * Several requests of one row id about one image (the job's {@code --tasks}: one row per image
     * and task): the image is read once and, where the model can, encoded once and its prompts'
     * shared prefix prefilled once ({@link BatchableAnnotator#annotateAll}, or the batch scheduler's
     * {@link BatchScheduler#submitAll} when batching). One pending row per request, in order; each
     * row's problems are its own (a bad task name fails its row, not its image's others), a bad image
     * fails every row. All requests must give the same image limits (rows of one image do). Every row
     * is seeded from the row id, so each gets the text it gets asked alone.
     */
    List<Pending> startAll(String rowId, Supplier<byte[]> imageSource, List<RowRequest> requests, boolean batched) {
        if (requests.size() == 1 || rowId == null) {
            List<Pending> one = new ArrayList<>();
            for (RowRequest r : requests) one.add(start(rowId, imageSource, r, batched));
            return one;
        }
        long start = System.nanoTime();
        Pending[] rows = new Pending[requests.size()];
        // What a failed row says it asked: as given, then the task's name and the full prompt once known.
        String[] tasksNamed = new String[requests.size()], prompts = new String[requests.size()];
        for (int i = 0; i < rows.length; i++) {
            tasksNamed[i] = requests.get(i).task();
            prompts[i] = requests.get(i).prompt();
        }
        String model = null;
        try {
            AnnotatorSpec s = spec();
            model = s.key().modelName();
            // Each row's own checks first, as start() makes them: a bad task name or missing labels fails that row only.
            List<Integer> asked = new ArrayList<>();
            List<TaskRequest> asks = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                RowRequest r = requests.get(i);
                try {
                    tasksNamed[i] = Task.parse(r.task()).id;
                    TaskRequest ask = taskRequest(r, s);
                    prompts[i] = ask.instruction();
                    asks.add(ask);
                    asked.add(i);
                } catch (RuntimeException e) {
                    rows[i] = failed(tasksNamed[i], prompts[i], model, e, start);
                }
            }
            if (!asks.isEmpty()) {
                byte[] image = imageSource.get();
                if (image == null) throw new IllegalArgumentException("no image (null)");
                if (image.length == 0) throw new IllegalArgumentException("empty image (0 bytes)");
                ImageLimits limits = ImageLimits.of(requests.getFirst().maxLongestEdge(), requests.getFirst().maxImageTokens());
                ImageAnnotator annotator = annotator(s);
                if (!(annotator instanceof BatchableAnnotator b)) {
                    for (int k = 0; k < asks.size(); k++) rows[asked.get(k)] = start(rowId, () -> image, requests.get(asked.get(k)), batched);
                    return List.of(rows);
                }
                GenerationSettings settings = settingsFor(s, rowId, image, null);
                // Multi-pass tasks run their passes here, with an encode of their own, as they do alone.
                List<TaskRequest> shared = new ArrayList<>();
                List<Integer> sharedRows = new ArrayList<>();
                for (int k = 0; k < asks.size(); k++) {
                    int i = asked.get(k);
                    if (asks.get(k).task().multiPass()) {
                        rows[i] = start(rowId, () -> image, requests.get(i), false);
                    } else {
                        shared.add(asks.get(k));
                        sharedRows.add(i);
                    }
                }
                if (!shared.isEmpty()) {
                    int batch = batched ? s.batchFor(reproducibleBatches(annotator, s)) : 1;
                    BatchScheduler scheduler = batch > 1 ? SchedulerCache.forModel(s.key(), annotator, batch) : null;
                    start = System.nanoTime(); // the rows' time excludes loading the model
                    ImageTasks tasks = new ImageTasks(image, shared, settings, limits);
                    List<CompletableFuture<Annotation>> results = scheduler != null ? scheduler.submitAll(tasks) : b.annotateAll(tasks);
                    for (int k = 0; k < shared.size(); k++) {
                        int i = sharedRows.get(k);
                        rows[i] = waitFor(results.get(k), tasksNamed[i], prompts[i], model, start);
                    }
                }
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] == null) rows[i] = failed(tasksNamed[i], prompts[i], model, e, start);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing a row", e);
        }
        return List.of(rows);
    }

    /**
     * A row's request as the engine takes it, checked before the image is read: its task known, and
     * a row of a task that takes no categories, or a classify row without candidates, fails at once,
     * by name. Candidate labels are classify's only: rows of other tasks ignore them (a job's
     * --labels serves its classify rows).
     */
    private static TaskRequest taskRequest(RowRequest request, AnnotatorSpec s) {
        Task parsed = Task.parse(request.task());
        LabelCandidates labels = parsed.scoresCandidates() ? new LabelCandidates(request.labels(), s.labelScoring()) : null;
        return new TaskRequest(parsed, request.prompt(), request.categories(), labels);
    }

    private Pending failed(String task, String prompt, String model, RuntimeException e, long start) {
        Row row = AnnotationRows.failure(task, prompt, model, describe(e), seconds(start));
        return () -> row;
    }

    private Pending waitFor(CompletableFuture<Annotation> future, String task, String prompt, String model, long start) {
        return () -> {
            try {
                return AnnotationRows.success(future.get(), model, seconds(start));
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                return AnnotationRows.failure(task, prompt, model, describe(cause), seconds(start));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a row", e);
            }
        };
    }

    private AnnotatorSpec spec() {
        if (spec == null) spec = fixedSpec != null ? fixedSpec : AnnotatorSpec.fromOptions(SparkConfLookup.loupeOptions());
        return spec;
    }

    private ImageAnnotator annotator(AnnotatorSpec s) {
        if (loadFailure != null) throw loadFailure;
        try {
            return ModelCache.shared().get(s.key());
        } catch (ModelLoadException e) {
            loadFailure = e;
            throw e;
        }
    }

    /**
     * Whether the model's rows batch reproducibly; logged once per JVM and model when
     * {@code maxBatch=auto} therefore keeps them one at a time.
     */
    private static boolean reproducibleBatches(ImageAnnotator annotator, AnnotatorSpec s) {
        boolean reproducible = annotator instanceof BatchableAnnotator b && b.batchesReproducibly();
        if (!reproducible && s.maxBatch() == AnnotatorSpec.MAX_BATCH_AUTO && UNBATCHED_LOGGED.add(s.key())) {
            LOG.info("Loupe: {} decodes rows one at a time: with {} numerics its batched rows may differ in the last bits from rows "
                    + "decoded alone (set spark.loupe.maxBatch to batch anyway, or use numerics=fast)", s.key().modelName(), s.key().numerics());
        }
        return reproducible;
    }

    /** Greedy decoding ignores the seed; sampling is seeded per row so a retried task writes the same rows. */
    private static GenerationSettings settingsFor(AnnotatorSpec s, String rowId, byte[] image, String prompt) {
        GenerationSettings g = s.generationSettings();
        if (g.greedy()) return g;
        return g.withSeed(rowId != null ? RowSeeds.forRow(g.seed(), rowId) : RowSeeds.forContent(g.seed(), image, prompt));
    }

    private String describe(RuntimeException e) {
        if (e instanceof IllegalArgumentException || e instanceof ModelLoadException) return e.getMessage();
        if (!loggedUnexpected) {
            loggedUnexpected = true;
            LOG.warn("Loupe: unexpected failure on a row (reported in its error column)", e);
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
