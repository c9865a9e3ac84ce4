package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.kernels.FlashAttention;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.TaskRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Log-probabilities and classification likelihoods are what a plain full-sequence forward pass of
 * the same model computes ({@link FullSequenceForward}: prompt, image and answer in one decoder
 * pass from an empty cache, log-softmax in double), not artefacts of how Loupe gets them — mtmd's
 * chunked prefill, a decode step per token, the prompt's KV cache shared among candidates and
 * rolled back between them. On each family's tiny oracle model (random weights), the classify
 * prompt on the RGBA test image.
 *
 * <p>Criterion, per answer token and for a candidate's sum: |Loupe − full| &lt;= r · |full|, with
 * r = 1e-4 under exact numerics, where every row's arithmetic is the same on both paths (measured:
 * at most 8e-8). Fast numerics sum a product of 16 rows or more in another order than a
 * decode step's and attend in F32 rather than fp16, so the two paths round apart: measured up to
 * 3.4e-3 (smolvlm), held to the oracle's 1e-2.
 */
class FullForwardLogprobsTest {
    static final List<String> LABELS = List.of("cat", "dog", "cat food", "a red square");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"smolvlm, exact, 1e-4", "qwen3vl, exact, 1e-4", "youtuvl, exact, 1e-4",
                "smolvlm, fast, 1e-2", "qwen3vl, fast, 1e-2", "youtuvl, fast, 1e-2"})
    void aGreedyGenerationsRecordedLogprobsAreTheFullForwards(String family, String numerics, double relative) throws Exception {
        try (BatchableAnnotator model = LabelScorerTest.open(family, tmp, Numerics.parse(numerics))) {
            PreparedRequest r = prepare(model);
            Generation g = model.generator().generate(r.segments(), GenerationSettings.GREEDY.withMaxTokens(8));
            assertEquals(8, g.tokens().length, "eight tokens generated, none an end of generation");
            double[] full = FullSequenceForward.logprobs(model.generator().decoder(), r.segments(), g.tokens());
            for (int t = 0; t < full.length; t++) {
                assertTrue(FullSequenceForward.withinRelative(g.logprobs()[t], full[t], relative),
                        family + " token " + t + ": generation " + g.logprobs()[t] + ", full forward " + full[t]);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"smolvlm, exact, 1e-4", "qwen3vl, exact, 1e-4", "youtuvl, exact, 1e-4",
                "smolvlm, fast, 1e-2", "qwen3vl, fast, 1e-2", "youtuvl, fast, 1e-2"})
    void eachCandidatesLikelihoodIsTheFullForwards(String family, String numerics, double relative) throws Exception {
        try (BatchableAnnotator model = LabelScorerTest.open(family, tmp, Numerics.parse(numerics))) {
            PreparedRequest r = prepare(model);
            LabelScorer scorer = model.labelScorer();
            List<int[]> answers = LABELS.stream().map(scorer::answerTokens).toList();
            float[][] shared = scorer.score(r.segments(), answers);
            for (int i = 0; i < answers.size(); i++) {
                double[] full = FullSequenceForward.logprobs(model.generator().decoder(), r.segments(), answers.get(i));
                double sum = 0, fullSum = 0;
                for (int t = 0; t < full.length; t++) {
                    assertTrue(FullSequenceForward.withinRelative(shared[i][t], full[t], relative),
                            family + " '" + LABELS.get(i) + "' token " + t + ": scorer " + shared[i][t] + ", full forward " + full[t]);
                    sum += shared[i][t];
                    fullSum += full[t];
                }
                assertTrue(FullSequenceForward.withinRelative(sum, fullSum, relative), family + " '" + LABELS.get(i) + "': " + sum + " vs " + fullSum);
            }
        }
    }

    /**
     * A one-pass cache goes on as a chunked prefill's does: the same cells and next position (a
     * Qwen3-VL image advances positions by max(gridX, gridY), not by its tokens), so a decode step
     * after it gives the logits the generation saw for its second token.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"smolvlm", "qwen3vl", "youtuvl"})
    void aOnePassCacheGoesOnAsAChunkedPrefillsDoes(String family) throws Exception {
        try (BatchableAnnotator model = LabelScorerTest.open(family, tmp, Numerics.EXACT)) {
            PreparedRequest r = prepare(model);
            TextDecoder decoder = model.generator().decoder();
            Generation g = model.generator().generate(r.segments(), GenerationSettings.GREEDY.withMaxTokens(2));
            KvCache chunked = decoder.newCache(64), whole = decoder.newCache(64);
            model.generator().prefill(r.segments(), chunked);
            decoder.forwardWhole(FullSequenceForward.sequence(decoder, r.segments(), new int[] {g.tokens()[0]}), whole);
            assertEquals(chunked.length(), whole.length());
            assertEquals(chunked.nextPosition(), whole.nextPosition());
            float[] embedding = new float[decoder.embeddingLength()];
            decoder.embed(g.tokens(), 0, 1, embedding, 0);
            float[] next = decoder.forward(embedding, 1, whole, false);
            int v = decoder.vocabularySize();
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float x : next) max = Math.max(max, x);
            for (float x : next) sum += Math.exp(x - max);
            double logprob = next[g.tokens()[1]] - (max + Math.log(sum));
            assertEquals(v, next.length);
            assertTrue(FullSequenceForward.withinRelative(g.logprobs()[1], logprob, 1e-4), g.logprobs()[1] + " vs " + logprob);
        }
    }

    /**
     * The classify request. Its chunks stay under the tiled kernel's 64 rows: a longer chunk would
     * take ggml's tiled attention (llama.cpp's choice, kept for parity), which rounds apart from
     * the one-row kernel the full pass and decode steps use.
     */
    private static PreparedRequest prepare(BatchableAnnotator model) throws Exception {
        byte[] png = Files.readAllBytes(LabelScorerTest.ORACLE.resolve("images/synth_rgba_96x64.png"));
        PreparedRequest r = model.prepare(png, TaskRequest.classify(null, new LabelCandidates(LABELS)), ImageLimits.NONE);
        for (PromptSegment s : r.segments()) assertTrue(s.length() < FlashAttention.TILED_MIN_ROWS, "a chunk of " + s.length() + " rows");
        return r;
    }
}
