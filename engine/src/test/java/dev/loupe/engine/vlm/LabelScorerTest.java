package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.LabelScoring;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The classify task's scorer on each family's tiny oracle model (random weights: the numbers are
 * checked against the model's own decoder, not against an expected label). A candidate's score is
 * what decoding it token by token from scratch gives; sharing the prompt's KV cache among the
 * candidates (rolled back between them) changes nothing; the distribution is a softmax over the
 * candidates; and the greedy answer scored by teacher forcing gets the log-probabilities its
 * generation recorded.
 */
class LabelScorerTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final List<String> LABELS = List.of("cat", "dog", "cat food", "a red square");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"smolvlm", "qwen3vl", "youtuvl"})
    void teacherForcedScoresEqualDecodingTokenByTokenAndSharingThePromptChangesNothing(String family) throws Exception {
        try (BatchableAnnotator model = open(family)) {
            PreparedRequest r = model.prepare(png(), request(new LabelCandidates(LABELS)), ImageLimits.NONE);
            LabelScorer scorer = model.labelScorer();
            List<int[]> answers = LABELS.stream().map(scorer::answerTokens).toList();
            float[][] shared = scorer.score(r.segments(), answers);
            TextDecoder decoder = model.generator().decoder();
            for (int i = 0; i < answers.size(); i++) {
                int[] answer = answers.get(i);
                // (a) From scratch: the prompt, then one token per forward pass, each log-softmax in double here.
                double[] alone = tokenByToken(model.generator(), decoder, r.segments(), answer);
                double sum = 0, sharedSum = 0;
                for (int t = 0; t < answer.length; t++) {
                    assertEquals(alone[t], shared[i][t], 1e-4, LABELS.get(i) + " token " + t);
                    sum += alone[t];
                    sharedSum += shared[i][t];
                }
                assertEquals(sum, sharedSum, 1e-4, LABELS.get(i));
                // (b) A fresh prefill for this candidate alone: the same arithmetic on the same cells, bit for bit.
                assertArrayEquals(scorer.score(r.segments(), List.of(answer))[0], shared[i], LABELS.get(i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"smolvlm", "qwen3vl", "youtuvl"})
    void theDistributionIsASoftmaxOverTheCandidatesScores(String family) throws Exception {
        try (BatchableAnnotator model = open(family)) {
            for (LabelScoring scoring : LabelScoring.values()) {
                Annotation a = model.annotate(png(), request(new LabelCandidates(LABELS, scoring)), GenerationSettings.GREEDY, ImageLimits.NONE);
                PreparedRequest r = model.prepare(png(), request(new LabelCandidates(LABELS, scoring)), ImageLimits.NONE);
                float[][] tokens = model.labelScorer().score(r.segments(), LABELS.stream().map(model.labelScorer()::answerTokens).toList());
                double[] score = new double[LABELS.size()];
                double max = Double.NEGATIVE_INFINITY, norm = 0;
                for (int i = 0; i < score.length; i++) {
                    score[i] = scoring.score(tokens[i]);
                    max = Math.max(max, score[i]);
                }
                for (double s : score) norm += Math.exp(s - max);

                assertEquals(LABELS.size(), a.labels().size());
                double total = 0;
                for (int k = 0; k < a.labels().size(); k++) {
                    Annotation.Label l = a.labels().get(k);
                    int i = LABELS.indexOf(l.label());
                    assertEquals(Math.exp(score[i] - max) / norm, l.probability(), 1e-6, l.label());
                    if (k > 0) assertTrue(a.labels().get(k - 1).probability() >= l.probability(), "most probable first: " + a.labels());
                    total += l.probability();
                }
                assertEquals(1.0, total, 1e-5);
                assertEquals(a.labels().get(0).label(), a.text(), "the best label is the answer text");
                int best = LABELS.indexOf(a.text());
                for (double s : score) assertTrue(score[best] >= s);
                // The best label's confidence: its label tokens, the end-of-turn token left out.
                float[] labelTokens = Arrays.copyOf(tokens[best], tokens[best].length - 1);
                double mean = 0;
                float min = Float.POSITIVE_INFINITY;
                for (float lp : labelTokens) {
                    mean += lp / labelTokens.length;
                    min = Math.min(min, lp);
                }
                assertEquals(mean, a.confidence().meanLogprob(), 1e-5);
                assertEquals(min, a.confidence().minLogprob());
                assertEquals("classify", a.task());
                assertEquals(LabelScorer.FINISH_REASON, a.finishReason());
                assertEquals(0, a.generatedTokens());
                assertTrue(a.prompt().contains("cat, dog, cat food, a red square"), a.prompt());
                assertTrue(a.stages().imagePositions() > 0 && a.promptTokens() > a.stages().imagePositions());
            }
        }
    }

    /**
     * Greedy consistency, which holds by construction: the greedy answer's tokens, teacher-forced,
     * get the log-probabilities the generation recorded for them (each the largest at its step),
     * and an answer that starts with any other token starts less likely.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"smolvlm", "qwen3vl", "youtuvl"})
    void theGreedyAnswerScoresAsItsGenerationRecordedIt(String family) throws Exception {
        try (BatchableAnnotator model = open(family)) {
            PreparedRequest r = model.prepare(png(), request(new LabelCandidates(LABELS)), ImageLimits.NONE);
            Generation g = model.generator().generate(r.segments(), GenerationSettings.GREEDY.withMaxTokens(6));
            int other = g.tokens()[0] == 0 ? 1 : 0;
            float[][] scored = model.labelScorer().score(r.segments(), List.of(g.tokens(), new int[] {other}));
            assertEquals(g.tokens().length, scored[0].length);
            for (int t = 0; t < g.tokens().length; t++) assertEquals(g.logprobs()[t], scored[0][t], 1e-4, "token " + t);
            assertTrue(scored[1][0] <= scored[0][0]);
        }
    }

    /**
     * A candidate is tokenized as the template writes the assistant's answer after the generation
     * prompt: the whole turn tokenized at once ends with exactly the candidate's tokens (SmolVLM's
     * answer after a space, ChatML's and Youtu-VL's on the line after the role, each closed by its
     * end-of-turn token).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"smolvlm", "qwen3vl", "youtuvl"})
    void candidatesAreTokenizedAsTheTemplateWritesTheAnswer(String family) throws Exception {
        try (BatchableAnnotator model = open(family)) {
            BpeTokenizer tokenizer = tokenizer(model);
            ChatFormat chat = switch (family) {
                case "smolvlm" -> ChatFormat.of(ChatFormat.Family.SMOLVLM);
                case "qwen3vl" -> ChatFormat.of(ChatFormat.Family.CHATML);
                default -> ChatFormat.of(ChatFormat.Family.YOUTU_VL);
            };
            for (String label : LABELS) {
                int[] answer = model.labelScorer().answerTokens(label);
                String prompt = chat.userPrompt("Which one?");
                int[] turn = tokenizer.encode(prompt + chat.answerLead() + label + chat.endOfTurn(), false, true);
                int[] promptTokens = tokenizer.encode(prompt, false, true);
                assertArrayEquals(answer, Arrays.copyOfRange(turn, promptTokens.length, turn.length), label);
                assertEquals(tokenizer.vocabulary().require(chat.endOfTurn()), answer[answer.length - 1]);
                assertEquals(chat.answerLead() + label, tokenizer.decode(Arrays.copyOf(answer, answer.length - 1), false));
            }
            assertNotEquals(model.labelScorer().answerTokens("cat").length, model.labelScorer().answerTokens("cat food").length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"smolvlm", "youtuvl"})
    void aClassifyRequestWithoutLabelsIsRefusedByName(String family) throws Exception {
        try (BatchableAnnotator model = open(family)) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> model.annotate(png(), request(null), GenerationSettings.GREEDY, ImageLimits.NONE));
            assertTrue(e.getMessage().contains("needs candidate labels"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.annotate(png(), Task.CLASSIFY, null, GenerationSettings.GREEDY));
            assertTrue(e.getMessage().contains("needs candidate labels"), e.getMessage());
        }
    }

    /**
     * The request value goes through a batch scheduler too: a classify request submitted to one
     * is scored as the model scores it alone (bit for bit), not generated for, while a caption
     * request beside it is generated as usual.
     */
    @org.junit.jupiter.api.Test
    void aBatchSchedulerScoresAClassifyRequestAsTheModelDoesAlone() throws Exception {
        try (BatchableAnnotator model = open("smolvlm"); BatchScheduler scheduler = new BatchScheduler(model, 4, 8)) {
            TaskRequest classify = request(new LabelCandidates(LABELS, LabelScoring.MEAN));
            Annotation alone = model.annotate(png(), classify, GenerationSettings.GREEDY, ImageLimits.NONE);
            var caption = scheduler.submit(png(), TaskRequest.of(Task.CAPTION, null), GenerationSettings.GREEDY, ImageLimits.NONE);
            Annotation scheduled = scheduler.submit(png(), classify, GenerationSettings.GREEDY, ImageLimits.NONE).get();
            assertEquals(alone.labels(), scheduled.labels());
            assertEquals(alone.text(), scheduled.text());
            assertEquals(LabelScorer.FINISH_REASON, scheduled.finishReason());
            assertEquals(0, scheduled.generatedTokens());
            assertNotEquals(LabelScorer.FINISH_REASON, caption.get().finishReason());
        }
    }

    /** The prompt, then each answer token alone through the decoder; the log-softmax of each step's logits computed here in double. */
    private static double[] tokenByToken(Generator generator, TextDecoder decoder, List<PromptSegment> prompt, int[] answer) {
        KvCache cache = decoder.newCache(64);
        float[] logits = generator.prefill(prompt, cache);
        double[] out = new double[answer.length];
        float[] embedding = new float[decoder.embeddingLength()];
        for (int t = 0; t < answer.length; t++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : logits) max = Math.max(max, v);
            for (float v : logits) sum += Math.exp(v - max);
            out[t] = logits[answer[t]] - (max + Math.log(sum));
            decoder.embed(answer, t, 1, embedding, 0);
            logits = decoder.forward(embedding, 1, cache, false);
        }
        return out;
    }

    private static TaskRequest request(LabelCandidates labels) {
        return TaskRequest.classify(null, labels);
    }

    private static byte[] png() throws Exception {
        return Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
    }

    private BatchableAnnotator open(String family) throws Exception {
        return open(family, tmp);
    }

    /** Each family's tiny oracle model (by default fast numerics; qwen3vl's decoder-only GGUF given its tokenizer in {@code tmp}). */
    static BatchableAnnotator open(String family, Path tmp) throws Exception {
        return open(family, tmp, Numerics.FAST);
    }

    static BatchableAnnotator open(String family, Path tmp, Numerics numerics) throws Exception {
        ModelOptions options = new ModelOptions(new ComputePool(2), 0, numerics);
        return switch (family) {
            case "smolvlm" -> new SmolVlmModel(GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-text-q8_0.gguf")),
                    GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf")), options);
            case "qwen3vl" -> (BatchableAnnotator) VisionLanguageModels.open(
                    FamilyTasksTest.withTokenizer(ORACLE.resolve("qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf"), tmp),
                    ORACLE.resolve("qwen3vl/models/qwen3vl-mmproj-f16.gguf"), options);
            case "youtuvl" -> YoutuVlImagePromptTest.open(numerics);
            default -> throw new IllegalArgumentException(family);
        };
    }

    private static BpeTokenizer tokenizer(BatchableAnnotator model) {
        if (model instanceof SmolVlmModel m) return m.tokenizer();
        if (model instanceof Qwen3VlModel m) return m.tokenizer();
        return ((YoutuVlModel) model).tokenizer();
    }
}
