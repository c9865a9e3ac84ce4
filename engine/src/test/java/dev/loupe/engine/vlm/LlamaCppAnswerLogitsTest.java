package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import dev.loupe.engine.oracle.OracleCheck;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.TaskRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real candidate of the classify task scored by Loupe and by llama.cpp on the same tokens:
 * SmolVLM's oracle model (F16 text, F16 mmproj), the RGBA test image, the prompt book's classify
 * prompt over four labels, and the candidate "a red square" (" a red square" + end of utterance).
 * llama.cpp's logits at every answer position were dumped by {@code oracle/logprobs/answer_logits.c}
 * (its README says how); the prompt's chunks and the answer's ids it used are checked to be
 * Loupe's. Loupe's full-sequence forward ({@link FullSequenceForward}) and its classify scorer
 * ({@link LabelScorer}) must give each position's logits within the oracle's tolerance (1e-2 of the
 * row's largest |logit|), and so each answer token's log-probability within twice that; with exact
 * numerics the full forward's logits are llama.cpp's bit for bit (measured: fast numerics 0.9e-3 to
 * 1.7e-3 of the largest |logit|, log-probabilities within 2.4e-3).
 */
class LlamaCppAnswerLogitsTest {
    static final Path REFERENCE = LabelScorerTest.ORACLE.resolve("logprobs");
    static final String CANDIDATE = "a red square";

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void theFullForwardAndTheScorerGiveLlamaCppsLogitsAtEveryAnswerPosition(Numerics numerics) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(REFERENCE.resolve("smolvlm-classify-a-red-square.json").toFile());
        float[] refLogits = FloatFiles.read(REFERENCE.resolve("smolvlm-classify-a-red-square.logits.bin"));
        Path oracle = LabelScorerTest.ORACLE;
        try (SmolVlmModel model = new SmolVlmModel(GgufFile.open(oracle.resolve("smolvlm/models/smolvlm-text-f16.gguf")),
                GgufFile.open(oracle.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf")), new ModelOptions(new ComputePool(2), 0, numerics))) {
            byte[] png = Files.readAllBytes(oracle.resolve("images/synth_rgba_96x64.png"));
            PreparedRequest r = model.prepare(png, TaskRequest.classify(null, new LabelCandidates(FullForwardLogprobsTest.LABELS)), ImageLimits.NONE);
            int[] answer = model.labelScorer().answerTokens(CANDIDATE);

            // The same tokens: llama.cpp's chunks are Loupe's segments, its answer ids Loupe's.
            JsonNode chunks = ref.get("chunks");
            assertEquals(chunks.size(), r.segments().size());
            for (int i = 0; i < chunks.size(); i++) {
                JsonNode c = chunks.get(i);
                PromptSegment s = r.segments().get(i);
                if (c.get("type").asText().equals("text")) assertArrayEquals(ints(c.get("tokens")), ((PromptSegment.Text) s).tokens(), "chunk " + i);
                else assertEquals(c.get("n_tokens").asInt(), ((PromptSegment.Embeddings) s).count(), "chunk " + i);
            }
            assertEquals(ref.get("n_past_after_prompt").asInt(), r.segments().stream().mapToInt(PromptSegment::length).sum());
            assertArrayEquals(ints(ref.get("answer")), answer);

            int v = ref.get("n_vocab").asInt();
            float[] full = FullSequenceForward.logits(model.generator().decoder(), r.segments(), answer);
            double[] fullLogprobs = FullSequenceForward.logprobs(model.generator().decoder(), r.segments(), answer);
            float[] scored = model.labelScorer().score(r.segments(), List.of(answer))[0];
            JsonNode positions = ref.get("positions");
            for (int t = 0; t < answer.length; t++) {
                float[] refRow = Arrays.copyOfRange(refLogits, t * v, (t + 1) * v);
                Diff d = Diff.of(Arrays.copyOfRange(full, t * v, (t + 1) * v), refRow);
                assertTrue(d.within(OracleCheck.RELATIVE_TOLERANCE), "position " + t + ": logits " + d);
                double logprobTolerance = 2 * OracleCheck.RELATIVE_TOLERANCE * d.maxAbsReference();
                double refLogprob = positions.get(t).get("logprob").asDouble();
                assertEquals(refLogprob, fullLogprobs[t], logprobTolerance, "position " + t + ": full forward's log-probability");
                assertEquals(refLogprob, scored[t], logprobTolerance, "position " + t + ": the scorer's log-probability");
                // Exact numerics are ggml's arithmetic, and every row here attends with the one-row kernel on both sides.
                if (numerics == Numerics.EXACT) assertEquals(0, d.maxAbs(), "position " + t + ": exact numerics give llama.cpp's logits bit for bit");
            }
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
