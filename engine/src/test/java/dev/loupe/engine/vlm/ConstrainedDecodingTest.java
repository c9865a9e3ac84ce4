package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.RelativeBoxes;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.task.grammar.AnswerConstraint;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.task.grammar.ConstrainMode;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Constrained decoding on the oracle's tiny random-weight models, whose answers are gibberish:
 * unconstrained, their structured answers rarely parse; constrained, every one does. And on
 * scripted logits (a "model" whose answer is known), an answer that is already well formed comes
 * out the same constrained, while a malformed one is pulled into the format.
 */
class ConstrainedDecodingTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final List<String> IMAGES = List.of("chelsea.png", "china.jpg", "synth_rgba_96x64.png", "synth_tall_37x300.png");
    /** Small images keep the tiny models' encoders quick; the answers' grammar does not depend on them. */
    static final ImageLimits LIMITS = new ImageLimits(0, 16);

    @TempDir
    static Path tmp;
    static Path qwenText;

    @BeforeAll
    static void qwenWithItsTokenizer() throws Exception {
        qwenText = FamilyTasksTest.withTokenizer(ORACLE.resolve("qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf"), tmp);
    }

    static BatchableAnnotator open(Path text, Path mmproj) {
        return (BatchableAnnotator) VisionLanguageModels.open(text, mmproj, new ModelOptions(new ComputePool(2), 0, Numerics.EXACT));
    }

    /** Answers that did not parse, of every request on every image, under {@code mode}. */
    static List<Annotation> annotate(BatchableAnnotator model, List<TaskRequest> requests, GenerationSettings settings, ImageLimits limits)
            throws Exception {
        List<Annotation> out = new ArrayList<>();
        for (String image : IMAGES) {
            byte[] bytes = Files.readAllBytes(ORACLE.resolve("images").resolve(image));
            for (TaskRequest r : requests) out.add(model.annotate(bytes, r, settings, limits));
        }
        return out;
    }

    static long failures(List<Annotation> answers) {
        return answers.stream().filter(a -> a.parseError() != null).count();
    }

    static void assertAllParse(List<Annotation> answers) {
        for (Annotation a : answers) assertNull(a.parseError(), a.task() + ": " + a.text() + " (" + a.finishReason() + ")");
    }

    @Test
    void qwenStructuredAnswersAllParseConstrained() throws Exception {
        List<TaskRequest> requests = List.of(TaskRequest.of(Task.GROUND, "the cat"), new TaskRequest(Task.DETECT, null, List.of("cat", "dog")),
                TaskRequest.of(Task.POINT, "the eye"), TaskRequest.of(Task.COUNT, "cats"));
        GenerationSettings greedy = GenerationSettings.GREEDY.withMaxTokens(40);
        try (BatchableAnnotator qwen = open(qwenText, ORACLE.resolve("qwen3vl/models/qwen3vl-mmproj-f16.gguf"))) {
            List<Annotation> free = annotate(qwen, requests, greedy.withConstrain(ConstrainMode.OFF), LIMITS);
            List<Annotation> constrained = annotate(qwen, requests, greedy, LIMITS); // auto: greedy JSON formats are constrained
            report("qwen3vl", free, constrained);
            assertEquals(free.size(), failures(free), "random weights write no JSON");
            assertAllParse(constrained);
            for (Annotation a : constrained) {
                if (a.task().equals("point")) assertTrue(!a.points().isEmpty(), a.text());
                else if (a.task().equals("count")) assertTrue(a.count() != null, a.text());
                else assertTrue(!a.boxes().isEmpty(), a.text());
            }
            // Batched, each row is constrained by its own answer alone: the same rows as one at a time.
            try (BatchScheduler scheduler = new BatchScheduler(qwen, 4, 16)) {
                List<CompletableFuture<Annotation>> futures = new ArrayList<>();
                for (String image : IMAGES) {
                    byte[] bytes = Files.readAllBytes(ORACLE.resolve("images").resolve(image));
                    for (TaskRequest r : requests) futures.add(scheduler.submit(bytes, r, greedy, LIMITS));
                }
                for (int i = 0; i < futures.size(); i++) {
                    Annotation batched = futures.get(i).get();
                    if (qwen.batchesReproducibly()) assertEquals(constrained.get(i).text(), batched.text());
                    assertNull(batched.parseError(), batched.text());
                }
            }
        }
    }

    @Test
    void youtuBoxesAllParseConstrained() throws Exception {
        List<TaskRequest> requests = List.of(TaskRequest.of(Task.GROUND, "the cat"), TaskRequest.of(Task.DETECT, null),
                new TaskRequest(Task.DETECT, null, List.of("cat", "dog")), new TaskRequest(Task.COUNT, null, List.of("cat")));
        GenerationSettings greedy = GenerationSettings.GREEDY.withMaxTokens(24);
        try (BatchableAnnotator youtu = open(ORACLE.resolve("youtuvl/models/youtuvl-text-f16.gguf"), ORACLE.resolve("youtuvl/models/youtuvl-mmproj-f16.gguf"))) {
            List<Annotation> free = annotate(youtu, requests, greedy.withConstrain(ConstrainMode.OFF), LIMITS);
            List<Annotation> constrained = annotate(youtu, requests, greedy, LIMITS);
            report("youtuvl", free, constrained);
            assertTrue(failures(free) > 0, "random weights write no boxes (a count may find a number in the text)");
            assertAllParse(constrained);
        }
    }

    @Test
    void countsInWordsAreConstrainedOnlyWhenAskedTo() throws Exception {
        List<TaskRequest> requests = List.of(TaskRequest.of(Task.COUNT, "cats"), TaskRequest.of(Task.COUNT, "dots"));
        GenerationSettings greedy = GenerationSettings.GREEDY.withMaxTokens(12);
        try (BatchableAnnotator smol = open(ORACLE.resolve("smolvlm/models/smolvlm-text-f16.gguf"), ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf"))) {
            ImageLimits limits = new ImageLimits(128, 0); // one tile: quick, and the answers are as random
            List<Annotation> auto = annotate(smol, requests, greedy, limits);
            List<Annotation> free = annotate(smol, requests, greedy.withConstrain(ConstrainMode.OFF), limits);
            List<Annotation> on = annotate(smol, requests, greedy.withConstrain(ConstrainMode.ON), limits);
            report("smolvlm", free, on);
            for (int i = 0; i < auto.size(); i++) assertEquals(free.get(i).text(), auto.get(i).text(), "auto leaves a count in words alone");
            assertTrue(failures(free) > 0);
            assertAllParse(on);
        }
    }

    static void report(String family, List<Annotation> free, List<Annotation> constrained) {
        System.out.printf("constrained decoding, %s: %d of %d structured answers did not parse unconstrained, %d constrained%n",
                family, failures(free), free.size(), failures(constrained));
    }

    /**
     * A scripted "model": at each step, seeded noise plus a large lead for the next token of
     * {@code script} (then end of generation). Returns the sequence generated from those logits.
     */
    static Generation scripted(BpeTokenizer tokenizer, int[] script, AnswerGrammar grammar, int maxNew) {
        int n = tokenizer.vocabulary().size();
        Sequence seq = new Sequence(null, new Sampler(GenerationSettings.GREEDY), tokenizer.decoder(false), tokenizer.vocabulary(), 0, maxNew, null);
        if (grammar != null) seq.constrain(new AnswerConstraint(new Generator(null, tokenizer).automaton(grammar)));
        SplittableRandom noise = new SplittableRandom(11);
        for (int step = 0; !seq.finished(); step++) {
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) logits[i] = (float) noise.nextGaussian();
            logits[step < script.length ? script[step] : tokenizer.vocabulary().eogIds()[0]] += 30f;
            seq.accept(logits, 0, n);
        }
        return seq.result();
    }

    static void assertUnchanged(BpeTokenizer tokenizer, AnswerGrammar grammar, String answer) {
        int[] script = tokenizer.encode(answer, false, false);
        Generation free = scripted(tokenizer, script, null, 64), constrained = scripted(tokenizer, script, grammar, 64);
        assertEquals(answer, free.text());
        assertEquals(free.text(), constrained.text(), grammar.name());
        assertArrayEquals(script, Arrays.copyOf(constrained.tokens(), script.length));
        assertArrayEquals(Arrays.copyOf(free.logprobs(), script.length), Arrays.copyOf(constrained.logprobs(), script.length),
                "the model's own log-probabilities");
    }

    @Test
    void aWellFormedAnswerComesOutTheSameAndAMalformedOneIsPulledIntoTheFormat() throws Exception {
        BpeTokenizer qwen;
        try (GgufFile f = GgufFile.open(qwenText)) {
            qwen = BpeTokenizer.load(f);
        }
        String boxes = "```json\n[\n\t{\"bbox_2d\": [12, 34, 567, 890], \"label\": \"cat\"},\n\t{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"dog\"}\n]\n```";
        assertUnchanged(qwen, AnswerGrammar.JSON_BOXES, boxes);
        assertUnchanged(qwen, AnswerGrammar.JSON_BOXES_OR_NONE, "[]");
        assertUnchanged(qwen, AnswerGrammar.JSON_POINTS, "[{\"point_2d\": [500, 250], \"label\": \"the eye\"}]");
        Generation whole = scripted(qwen, qwen.encode(boxes, false, false), AnswerGrammar.JSON_BOXES, 64);
        assertEquals("grammar", whole.finishReason(), "stopped at the closing fence, no end-of-generation step");

        // Prose first: the constrained answer cannot start with it, and is a whole answer that parses.
        String prose = "Sure! The cat is at [{\"bbox_2d\": [1, 2, 3, 4]}]";
        Generation pulled = scripted(qwen, qwen.encode(prose, false, false), AnswerGrammar.JSON_BOXES, 48);
        assertNotEquals(prose, pulled.text());
        assertTrue(AnswerGrammar.JSON_BOXES.dfa().matches(pulled.text()), pulled.text());
        assertNull(RelativeBoxes.problem(pulled.text()));

        BpeTokenizer youtu;
        try (GgufFile f = GgufFile.open(ORACLE.resolve("youtuvl/models/youtuvl-tokenizer.gguf"))) {
            youtu = BpeTokenizer.load(f);
        }
        assertUnchanged(youtu, AnswerGrammar.COORDINATE_TOKEN_BOXES, "<ref>cat</ref><box><x_12><y_34><x_567><y_890></box><box><x_1><y_2><x_3><y_4></box>");
        BpeTokenizer smol;
        try (GgufFile f = GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-text-f16.gguf"))) {
            smol = BpeTokenizer.load(f);
        }
        assertUnchanged(smol, AnswerGrammar.NUMBER, " Three.");
    }
}
