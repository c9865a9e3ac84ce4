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
