package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several tasks asked of one image (issue 15 item 6) on the tiny oracle models: the image is
 * encoded once and the prompts' shared prefix (template start and image) prefilled once, and each
 * task's annotation equals — text, boxes, counts, label probabilities, confidences, bit for bit —
 * the one it gets asked alone, on the sequential path and on the batch scheduler, greedy and sampled.
 */
class ImageTasksTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final LabelCandidates LABELS = new LabelCandidates(List.of("cat", "dog", "a red square"));

    @TempDir
    static Path tmp;
    static SmolVlmModel smol;
    static Qwen3VlModel qwen;

    @BeforeAll
    static void open() throws Exception {
        smol = new SmolVlmModel(GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-text-q8_0.gguf")),
                GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf")), new ModelOptions(new ComputePool(2), 0, Numerics.EXACT));
        qwen = (Qwen3VlModel) VisionLanguageModels.open(
                FamilyTasksTest.withTokenizer(ORACLE.resolve("qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf"), tmp),
                ORACLE.resolve("qwen3vl/models/qwen3vl-mmproj-f16.gguf"), new ModelOptions(new ComputePool(2), 0, Numerics.EXACT));
    }

    @AfterAll
    static void close() {
        smol.close();
        qwen.close();
    }

    static List<TaskRequest> smolTasks() {
        return List.of(TaskRequest.of(Task.CAPTION, null), TaskRequest.of(Task.VQA, "What animal is this?"),
                new TaskRequest(Task.COUNT, "dogs", List.of()), TaskRequest.classify(null, LABELS), TaskRequest.of(Task.OCR, null));
    }

    static List<TaskRequest> qwenTasks() {
        return List.of(TaskRequest.of(Task.CAPTION, null), new TaskRequest(Task.DETECT, null, List.of("cat", "dog")),
                new TaskRequest(Task.COUNT, "cats", List.of()), TaskRequest.of(Task.GROUND, "the red square"), TaskRequest.classify(null, LABELS));
    }

    @Test
    void smolVlmTasksShareOneEncodeAndAnswerAsAlone() throws Exception {
        sequentialEqualsAlone(smol, smol::imagesEncoded, smolTasks(), GenerationSettings.GREEDY.withMaxTokens(12));
    }

    @Test
    void qwen3VlTasksShareOneEncodeAndAnswerAsAlone() throws Exception {
        sequentialEqualsAlone(qwen, qwen::imagesEncoded, qwenTasks(), GenerationSettings.GREEDY.withMaxTokens(12));
    }

    /**
     * Youtu-VL (MLA's latent cache forked like any other): semantic keeps the image's hidden states
     * for its readout, so it prefills its whole prompt itself, from the shared encode all the same.
     */
    @Test
    void youtuVlTasksShareOneEncodeAndAnswerAsAlone() throws Exception {
        try (YoutuVlModel youtu = YoutuVlImagePromptTest.open(Numerics.FAST)) {
            List<TaskRequest> tasks = List.of(TaskRequest.of(Task.CAPTION, null), TaskRequest.of(Task.GROUND, "the red square"),
                    new TaskRequest(Task.SEMANTIC, null, List.of("sky", "tree")), TaskRequest.classify(null, LABELS));
            sequentialEqualsAlone(youtu, youtu::imagesEncoded, tasks, GenerationSettings.GREEDY.withMaxTokens(10));
        }
    }

    @Test
    void sampledTasksDrawTheSameTokensAsAlone() throws Exception {
        GenerationSettings sampled = new GenerationSettings(10, 0.9f, 40, 0.95f, 0.05f, 1f, 64, 1234L);
        sequentialEqualsAlone(smol, smol::imagesEncoded, smolTasks(), sampled);
        sequentialEqualsAlone(qwen, qwen::imagesEncoded, qwenTasks(), sampled);
    }

    private static void sequentialEqualsAlone(BatchableAnnotator model, LongSupplier encodes, List<TaskRequest> tasks,
                                              GenerationSettings settings) throws Exception {
        byte[] image = image("china.jpg");
        List<Annotation> alone = new ArrayList<>();
        for (TaskRequest t : tasks) alone.add(model.annotate(image, t, settings, ImageLimits.NONE));
        long before = encodes.getAsLong();
        List<CompletableFuture<Annotation>> together = model.annotateAll(new ImageTasks(image, tasks, settings, ImageLimits.NONE));
        assertEquals(1, encodes.getAsLong() - before, "one encode for " + tasks.size() + " tasks");
        assertEquals(tasks.size(), together.size());
        double encodeSeconds = 0;
        for (int i = 0; i < tasks.size(); i++) {
            Annotation a = together.get(i).get();
            assertEquals(withoutStages(alone.get(i)), withoutStages(a), "task " + tasks.get(i).task().id);
            assertEquals(alone.get(i).stages().imagePositions(), a.stages().imagePositions());
            encodeSeconds += a.stages().encodeSeconds();
        }
        assertTrue(encodeSeconds > 0, "the rows' shares of the encode add up to its time");
    }

    /** Where each family puts the task's text: after the image, so every segment up to the image's last is shared. */
    @Test
    void theSharedPrefixEndsAfterTheImageInEachFamily() throws Exception {
        byte[] image = image("china.jpg");
        for (BatchableAnnotator model : List.of(smol, qwen, YoutuVlImagePromptTest.open(Numerics.FAST))) {
            EncodedImage encoded = model.encode(image, ImageLimits.NONE);
            List<List<PromptSegment>> prompts = new ArrayList<>();
            for (TaskRequest t : List.of(TaskRequest.of(Task.CAPTION, null), TaskRequest.of(Task.VQA, "Why?"))) {
                prompts.add(encoded.prepare(t).segments());
            }
            int common = SharedPrefix.commonSegments(prompts);
            int lastImage = -1;
            for (int i = 0; i < prompts.getFirst().size(); i++) if (prompts.getFirst().get(i) instanceof PromptSegment.Embeddings) lastImage = i;
            assertTrue(lastImage >= 0);
            assertEquals(lastImage + 1, common, model.describe() + ": shared up to and with the image, the task's text after it");
        }
    }

    /**
     * On the scheduler, with numerics whose batched decode steps are batch-invariant (what batching
     * by default needs): the rows equal the rows asked alone, confidences included.
     */
    @Test
    void theSchedulerRunsTheTasksAsOrdinarySequences() throws Exception {
        GenerationSettings settings = GenerationSettings.GREEDY.withMaxTokens(10);
        byte[] china = image("china.jpg"), chelsea = image("chelsea.png");
        List<TaskRequest> tasks = smolTasks();
        try (SmolVlmModel fast = new SmolVlmModel(GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-text-q8_0.gguf")),
                GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf")), new ModelOptions(new ComputePool(2), 0, Numerics.FAST));
             BatchScheduler scheduler = new BatchScheduler(fast, 8, 4)) {
            assertTrue(fast.batchesReproducibly());
            List<Annotation> alone = new ArrayList<>();
            for (TaskRequest t : tasks) alone.add(fast.annotate(chelsea, t, settings, ImageLimits.NONE));
            long before = fast.imagesEncoded();
            // Another image's row decodes alongside.
            CompletableFuture<Annotation> other = scheduler.submit(china, TaskRequest.of(Task.VQA, "Color?"), settings.withMaxTokens(14), ImageLimits.NONE);
            List<CompletableFuture<Annotation>> together = scheduler.submitAll(new ImageTasks(chelsea, tasks, settings, ImageLimits.NONE));
            for (int i = 0; i < tasks.size(); i++) {
                assertEquals(withoutStages(alone.get(i)), withoutStages(together.get(i).get()), "task " + tasks.get(i).task().id);
            }
            other.get();
            assertEquals(2, fast.imagesEncoded() - before, "one encode for the other image, one for this image's " + tasks.size() + " tasks");
            assertTrue(scheduler.peakActive() >= 3, "the tasks decoded side by side: " + scheduler.peakActive());
        }
    }

    @Test
    void aTaskTheFamilyRefusesFailsAloneAndABadImageFailsAll() throws Exception {
        List<TaskRequest> tasks = List.of(TaskRequest.of(Task.CAPTION, null), TaskRequest.of(Task.GROUND, "the dog"), TaskRequest.of(Task.VQA, "Why?"));
        GenerationSettings settings = GenerationSettings.GREEDY.withMaxTokens(4);
        List<CompletableFuture<Annotation>> results = smol.annotateAll(new ImageTasks(image("china.jpg"), tasks, settings, ImageLimits.NONE));
        assertEquals(smol.annotate(image("china.jpg"), tasks.get(0), settings, ImageLimits.NONE).text(), results.get(0).get().text());
        ExecutionException refused = assertThrows(ExecutionException.class, () -> results.get(1).get());
        assertInstanceOf(IllegalArgumentException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("ground"), refused.getCause().getMessage());
        assertEquals(smol.annotate(image("china.jpg"), tasks.get(2), settings, ImageLimits.NONE).text(), results.get(2).get().text());

        try (BatchScheduler scheduler = new BatchScheduler(smol, 4, 2)) {
            List<CompletableFuture<Annotation>> bad = scheduler.submitAll(new ImageTasks(new byte[] {1, 2, 3}, tasks, settings, ImageLimits.NONE));
            for (CompletableFuture<Annotation> f : bad) {
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(IllegalArgumentException.class, e.getCause());
            }
        }
    }

    /** Stage times differ from run to run (and a shared encode's is split among its rows); everything else must not. */
    static Annotation withoutStages(Annotation a) {
        return new Annotation(a.task(), a.prompt(), a.text(), a.boxes(), a.points(), a.count(), a.masks(), a.imageWidth(),
                a.imageHeight(), a.promptTokens(), a.generatedTokens(), a.finishReason(), null, a.parseError(), a.keypoints(), a.depth(),
                a.confidence(), a.labels());
    }

    private static byte[] image(String name) throws Exception {
        return Files.readAllBytes(ORACLE.resolve("images").resolve(name));
    }
}
