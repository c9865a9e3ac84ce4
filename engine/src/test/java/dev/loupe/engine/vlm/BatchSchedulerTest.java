package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Continuous batching gives every request exactly the annotation it gets on its own. */
class BatchSchedulerTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static SmolVlmModel model;

    @BeforeAll
    static void open() {
        model = new SmolVlmModel(GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-text-q8_0.gguf")),
                GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf")), new ModelOptions(new ComputePool(2), 0, Numerics.EXACT));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void batchedRequestsFromManyThreadsEqualOneAtATime() throws Exception {
        List<String> images = List.of("china.jpg", "chelsea.png", "synth_1x1.png", "synth_tall_37x300.png",
                "synth_wide_1000x200.png", "synth_rgba_96x64.png", "china.jpg");
        List<String> prompts = List.of("Describe this image.", "What animal is this?", "Color?", "Tall or wide?", "Boxes?", "Count", "Again");
        // Different token limits: sequences leave the batch at different steps.
        int[] limits = {12, 5, 20, 1, 9, 16, 3};
        List<Annotation> alone = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            alone.add(model.annotate(Files.readAllBytes(ORACLE.resolve("images").resolve(images.get(i))), Task.VQA, prompts.get(i),
                    GenerationSettings.GREEDY.withMaxTokens(limits[i])));
        }
        try (BatchScheduler scheduler = new BatchScheduler(model, 4, 3); ExecutorService callers = Executors.newFixedThreadPool(4)) {
            List<Future<CompletableFuture<Annotation>>> submitted = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                int k = i;
                submitted.add(callers.submit(() -> scheduler.submit(Files.readAllBytes(ORACLE.resolve("images").resolve(images.get(k))),
                        Task.VQA, prompts.get(k), GenerationSettings.GREEDY.withMaxTokens(limits[k]))));
            }
            for (int i = 0; i < images.size(); i++) {
                Annotation batched = submitted.get(i).get().get();
                assertEquals(withoutStages(alone.get(i)), withoutStages(batched), "request " + i + " (" + images.get(i) + ")");
                assertEquals(limits[i], batched.generatedTokens());
                Annotation.Stages stages = batched.stages();
                assertEquals(alone.get(i).stages().imagePositions(), stages.imagePositions());
                assertTrue(stages.encodeSeconds() > 0 && stages.prefillSeconds() > 0, stages.toString());
                // The first token comes with the prefill: one token means no decode step.
                assertEquals(limits[i] == 1, stages.decodeSeconds() == 0, stages.toString());
            }
        }
    }

    /** Stage times differ from run to run; everything else must not. */
    private static Annotation withoutStages(Annotation a) {
        return new Annotation(a.task(), a.prompt(), a.text(), a.boxes(), a.points(), a.count(), a.masks(), a.imageWidth(),
                a.imageHeight(), a.promptTokens(), a.generatedTokens(), a.finishReason());
    }

    /** china.jpg at the tiny model's tiling: 2 x 2 tiles + the overview, 4 embeddings each (as llama.cpp). */
    @Test
    void stagesCountTheImagePositions() throws Exception {
        Annotation a = model.annotate(Files.readAllBytes(ORACLE.resolve("images/china.jpg")), Task.CAPTION, null,
                GenerationSettings.GREEDY.withMaxTokens(3));
        assertEquals(20, a.stages().imagePositions());
        assertTrue(a.promptTokens() > 20, "text around the image: " + a.promptTokens());
        assertTrue(a.stages().decodeSeconds() > 0, a.stages().toString());
    }

    /**
     * A per-request longest edge of one tile: china.jpg becomes a 1 x 1 grid + the overview (8
     * positions; one encoder pass, the overview being the tile) instead of 2 x 2 tiles + the
     * overview (20), alone and through
     * the scheduler alike;
     * a cap that is not a multiple of the tile size fails that request only, naming the column.
     */
    @Test
    void perRequestLimitsCapTheTiles() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        int tile = model.preprocessor().tileSize();
        assertTrue(model.preprocessor().longestEdge() >= 2 * tile, "the tiny model tiles china.jpg 2 x 2");
        GenerationSettings three = GenerationSettings.GREEDY.withMaxTokens(3);
        Annotation capped = model.annotate(china, Task.CAPTION, null, three, new ImageLimits(tile));
        assertEquals(8, capped.stages().imagePositions());
        Annotation uncapped = model.annotate(china, Task.CAPTION, null, three, ImageLimits.NONE);
        assertEquals(20, uncapped.stages().imagePositions());
        assertTrue(uncapped.promptTokens() - capped.promptTokens() >= 12,
                "12 image positions fewer (and tile markers): " + capped.promptTokens() + " vs " + uncapped.promptTokens());
        // A cap at or above the model's own edge changes nothing.
        assertEquals(withoutStages(uncapped), withoutStages(model.annotate(china, Task.CAPTION, null, three,
                new ImageLimits(model.preprocessor().longestEdge()))));
        try (BatchScheduler scheduler = new BatchScheduler(model, 2, 4)) {
            CompletableFuture<Annotation> batched = scheduler.submit(china, Task.CAPTION, null, three, new ImageLimits(tile));
            CompletableFuture<Annotation> bad = scheduler.submit(china, Task.CAPTION, null, three, new ImageLimits(tile + 1));
            CompletableFuture<Annotation> plain = scheduler.submit(china, Task.CAPTION, null, three);
            assertEquals(withoutStages(capped), withoutStages(batched.get()));
            ExecutionException e = assertThrows(ExecutionException.class, bad::get);
            assertTrue(e.getCause().getMessage().contains("max_longest_edge " + (tile + 1)), e.getCause().getMessage());
            assertEquals(withoutStages(uncapped), withoutStages(plain.get()));
        }
    }

    /**
     * A KV budget of one sequence's cache: requests wait, prepared, until the running one
     * leaves, so no two decode together, and each still gets its annotation alone; with room
     * for three they share steps.
     */
    @Test
    void aKvBudgetKeepsSequencesThatDoNotFitWaiting() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        GenerationSettings sixteen = GenerationSettings.GREEDY.withMaxTokens(16);
        Annotation alone = model.annotate(china, Task.CAPTION, null, sixteen);
        long one = model.generator().cacheBytes(model.prepare(china, Task.CAPTION, null).segments(), sixteen);
        for (long budget : new long[] {one, 3 * one}) {
            try (BatchScheduler scheduler = new BatchScheduler(model, 4, 8, budget)) {
                List<CompletableFuture<Annotation>> futures = new ArrayList<>();
                for (int i = 0; i < 3; i++) futures.add(scheduler.submit(china, Task.CAPTION, null, sixteen));
                for (CompletableFuture<Annotation> f : futures) assertEquals(withoutStages(alone), withoutStages(f.get()));
                if (budget == one) {
                    assertEquals(1, scheduler.peakActive(), "one cache fits the budget");
                } else {
                    assertTrue(scheduler.peakActive() >= 2, "three caches fit: " + scheduler.peakActive());
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchScheduler(model, 4, 8, 0));
    }

    /** Three questions of one image: the first two prompts of one length, the third a token shorter (so are their caches). */
    static final List<TaskRequest> THREE_QUESTIONS = List.of(TaskRequest.of(Task.VQA, "Color?"), TaskRequest.of(Task.VQA, "Shape?"),
            TaskRequest.of(Task.VQA, "Sizes?"));

    /** The real bytes of an image's tasks' caches: what the shared prefix's holds, and what each task's fork of it holds. */
    private record GroupCaches(long prefix, List<Long> forks) {}

    private static GroupCaches caches(byte[] image, List<TaskRequest> tasks, GenerationSettings settings) {
        List<CompletableFuture<Annotation>> results = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) results.add(new CompletableFuture<>());
        PreparedImageTasks group = PreparedImageTasks.prepare(model, new ImageTasks(image, tasks, settings, ImageLimits.NONE), results);
        assertTrue(group.sharesPrefix());
        List<Long> forks = new ArrayList<>();
        for (PreparedImageTasks.Member m : group.members()) forks.add(group.start(m).cache().bytes());
        assertTrue(group.holdsPrefix());
        return new GroupCaches(group.prefixBytes(), forks);
    }

    /**
     * The shared prefix of an image's tasks counts in the KV budget, once, beside each task's fork
     * (a copy of the prefix's cells and the task's own): with a budget of the three forks, which
     * alone would have let all three tasks decode together, two do — the prefix takes the third's
     * room — and the most the scheduler held is the prefix and the first two forks, as the caches
     * really measure (the third, the smallest, starts once one of them has left).
     */
    @Test
    void anImagesSharedPrefixCountsInTheKvBudget() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        GenerationSettings eight = GenerationSettings.GREEDY.withMaxTokens(8);
        GroupCaches real = caches(china, THREE_QUESTIONS, eight);
        long fork = real.forks().getFirst(), third = real.forks().get(2);
        assertEquals(fork, real.forks().get(1), "prompts of one length, caches of one size");
        assertTrue(third < fork, "the third prompt is shorter: " + real);
        assertTrue(real.prefix() > 0 && real.prefix() < third, "a fork holds the prefix's cells and its own: " + real);
        List<Annotation> alone = new ArrayList<>();
        for (TaskRequest t : THREE_QUESTIONS) alone.add(model.annotate(china, t, eight, ImageLimits.NONE));
        for (Annotation a : alone) assertTrue(a.generatedTokens() > 1, "each question decodes past its first token");

        long budget = 2 * fork + third;
        try (BatchScheduler scheduler = new BatchScheduler(model, 4, 4, budget)) {
            List<CompletableFuture<Annotation>> together = scheduler.submitAll(new ImageTasks(china, THREE_QUESTIONS, eight, ImageLimits.NONE));
            for (int i = 0; i < alone.size(); i++) assertEquals(ImageTasksTest.withoutStages(alone.get(i)), ImageTasksTest.withoutStages(together.get(i).get()));
            assertEquals(2, scheduler.peakActive(), "the prefix and two forks fit three forks' budget, a third fork does not");
            assertEquals(real.prefix() + 2 * fork, scheduler.peakKvBytes());
            assertTrue(scheduler.peakKvBytes() <= budget);
        }
    }

    /**
     * Tasks of an image whose prefix and one fork alone exceed the budget still run, one at a time
     * (the prefix held until the last has started), and the rows queued behind them run after them:
     * nothing waits forever.
     */
    @Test
    void anImageWhoseTasksAloneExceedTheBudgetStillRunsAndNothingStarves() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        byte[] chelsea = Files.readAllBytes(ORACLE.resolve("images/chelsea.png"));
        GenerationSettings eight = GenerationSettings.GREEDY.withMaxTokens(8);
        GroupCaches real = caches(china, THREE_QUESTIONS, eight);
        long fork = real.forks().getFirst();
        List<Annotation> alone = new ArrayList<>();
        for (TaskRequest t : THREE_QUESTIONS) alone.add(model.annotate(china, t, eight, ImageLimits.NONE));
        Annotation after = model.annotate(chelsea, Task.CAPTION, null, eight);

        try (BatchScheduler scheduler = new BatchScheduler(model, 4, 4, fork)) {
            List<CompletableFuture<Annotation>> together = scheduler.submitAll(new ImageTasks(china, THREE_QUESTIONS, eight, ImageLimits.NONE));
            List<CompletableFuture<Annotation>> behind = List.of(scheduler.submit(chelsea, Task.CAPTION, null, eight),
                    scheduler.submit(chelsea, Task.CAPTION, null, eight));
            for (int i = 0; i < alone.size(); i++) assertEquals(ImageTasksTest.withoutStages(alone.get(i)), ImageTasksTest.withoutStages(together.get(i).get()));
            for (CompletableFuture<Annotation> f : behind) assertEquals(withoutStages(after), withoutStages(f.get()));
            assertEquals(1, scheduler.peakActive(), "one sequence at a time");
            assertEquals(real.prefix() + fork, scheduler.peakKvBytes(), "the image's prefix and one fork, over the budget as only one may be");
        }
    }

    /**
     * Classify goes through the scheduler: scored on its thread, with the annotation it gets alone
     * (best label, every label's probability, confidence), and only when its candidates' cache fits
     * beside what decodes — here not beside a running caption, so it waits for it.
     */
    @Test
    void classifyIsScoredOnTheSchedulerWithinTheKvBudget() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        GenerationSettings sixteen = GenerationSettings.GREEDY.withMaxTokens(16);
        TaskRequest classify = TaskRequest.classify(null, ImageTasksTest.LABELS);
        Annotation alone = model.annotate(china, classify, sixteen, ImageLimits.NONE);
        PreparedRequest prepared = model.prepare(china, classify, ImageLimits.NONE);
        long scoring = model.labelScorer().cacheBytes(prepared);
        // As LabelScorer's prefill sizes its cache: the prompt, then every candidate token but the last (scored from the logits before it).
        int longest = 0;
        for (String label : ImageTasksTest.LABELS.labels()) longest = Math.max(longest, model.labelScorer().answerTokens(label).length);
        assertEquals(model.generator().decoder().newCache(alone.promptTokens() + longest - 1).bytes(), scoring);
        long caption = model.generator().cacheBytes(model.prepare(china, Task.CAPTION, null).segments(), sixteen);

        long budget = Math.max(caption, scoring);
        try (BatchScheduler scheduler = new BatchScheduler(model, 4, 4, budget)) {
            CompletableFuture<Annotation> running = scheduler.submit(china, Task.CAPTION, null, sixteen);
            CompletableFuture<Annotation> scored = scheduler.submit(china, classify, sixteen, ImageLimits.NONE);
            assertEquals(ImageTasksTest.withoutStages(alone), ImageTasksTest.withoutStages(scored.get()));
            assertEquals(LabelScorer.FINISH_REASON, scored.get().finishReason());
            assertEquals(16, running.get().generatedTokens());
            assertTrue(scheduler.peakKvBytes() >= scoring && scheduler.peakKvBytes() <= budget, scheduler.peakKvBytes() + " within " + budget);
        }
    }

    @Test
    void aBadRequestFailsAloneAndCloseCancelsWaitingOnes() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        BatchScheduler scheduler = new BatchScheduler(model, 2, 8);
        CompletableFuture<Annotation> good = scheduler.submit(china, Task.CAPTION, null, GenerationSettings.GREEDY.withMaxTokens(4));
        CompletableFuture<Annotation> corrupt = scheduler.submit(new byte[] {1, 2, 3}, Task.CAPTION, null, GenerationSettings.GREEDY);
        CompletableFuture<Annotation> noQuestion = scheduler.submit(china, Task.VQA, null, GenerationSettings.GREEDY);
        assertEquals(4, good.get().generatedTokens());
        ExecutionException e = assertThrows(ExecutionException.class, corrupt::get);
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        ExecutionException q = assertThrows(ExecutionException.class, noQuestion::get);
        assertTrue(q.getCause().getMessage().contains("needs a prompt"), q.getCause().getMessage());

        List<CompletableFuture<Annotation>> late = new ArrayList<>();
        for (int i = 0; i < 6; i++) late.add(scheduler.submit(china, Task.CAPTION, null, GenerationSettings.GREEDY.withMaxTokens(64)));
        scheduler.close();
        for (CompletableFuture<Annotation> f : late) {
            try {
                assertEquals(64, f.get().generatedTokens()); // finished before the close, or
            } catch (ExecutionException | java.util.concurrent.CancellationException expected) {
                // cancelled by it: either way, nobody waits forever
            }
        }
        assertThrows(IllegalStateException.class, () -> scheduler.submit(china, Task.CAPTION, null, GenerationSettings.GREEDY));
    }
}
