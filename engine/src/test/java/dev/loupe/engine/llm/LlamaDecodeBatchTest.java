package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A batched decode step over several sequences equals decoding each sequence on its own, bit
 * for bit: with exact numerics for the types whose ggml products are batch-invariant (F16,
 * Q8_0), with fast numerics for every type. Against a lone forward step for the types whose
 * single rows are striped too (F16, Q8_0); against a batched step of one sequence for the
 * K-quants (the Q4_K_M model), whose lone rows outside decode steps keep ggml's kernel.
 */
class LlamaDecodeBatchTest {
    static final Path MODELS = Path.of("src/test/resources/oracle/smolvlm/models");

    private static final int[][] PROMPTS = {{1, 102, 1306, 75}, {1, 500, 7, 9, 10, 11, 12}, {3012, 27}};
    private static final int[][] NEXT = {{44, 45}, {100, 2000}, {5, 6}};

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"smolvlm-text-q8_0.gguf, EXACT", "smolvlm-text-q8_0.gguf, FAST", "smolvlm-text-f16.gguf, EXACT", "smolvlm-text-f16.gguf, FAST"})
    void batchedStepsEqualSequentialSteps(String model, Numerics numerics) {
        try (GgufFile f = GgufFile.open(MODELS.resolve(model))) {
            LlamaDecoder d = new LlamaDecoder(f, new ComputePool(2), numerics);
            KvCache[] batched = assertBatchedStepsEqual(d, (input, cache) -> d.forward(input, 1, cache, false));
            int e = d.embeddingLength();
            assertThrows(IllegalArgumentException.class, () -> d.decodeBatch(new float[2 * e], new KvCache[] {batched[0], batched[0]}));
        }
    }

    /**
     * Fast numerics: a batched decode step gives each sequence the floats it gets in a step of
     * its own, for every weight type (Q4_K_M mixes Q4_K, Q5_0, Q6_K and Q8_0 here), so rows
     * batched by the scheduler do not depend on which rows shared their steps.
     */
    @ParameterizedTest
    @CsvSource({"smolvlm-text-q4_k_m.gguf", "smolvlm-text-q4_0.gguf", "smolvlm-text-q6_k.gguf"})
    void fastStepsOfEveryTypeDoNotDependOnTheBatch(String model) {
        try (GgufFile f = GgufFile.open(MODELS.resolve(model))) {
            LlamaDecoder d = new LlamaDecoder(f, new ComputePool(2), Numerics.FAST);
            assertTrue(d.decodeStepsBatchInvariant());
            assertBatchedStepsEqual(d, (input, cache) -> d.decodeBatch(input, new KvCache[] {cache}));
        }
    }

    /**
     * Two decode steps of the three {@link #PROMPTS} batched together, each sequence's logits
     * compared bit for bit with {@code alone}, the same step of that sequence on its own cache.
     * Returns the batched caches.
     */
    static KvCache[] assertBatchedStepsEqual(TextDecoder d, java.util.function.BiFunction<float[], KvCache, float[]> alone) {
        KvCache[] batched = new KvCache[3], single = new KvCache[3];
        for (int s = 0; s < 3; s++) {
            batched[s] = prefill(d, PROMPTS[s]);
            single[s] = prefill(d, PROMPTS[s]);
        }
        int e = d.embeddingLength(), v = d.vocabularySize();
        for (int step = 0; step < 2; step++) {
            float[] input = new float[3 * e];
            for (int s = 0; s < 3; s++) d.embed(NEXT[s], step, 1, input, s * e);
            float[] logits = d.decodeBatch(input, batched);
            for (int s = 0; s < 3; s++) {
                float[] one = alone.apply(Arrays.copyOfRange(input, s * e, (s + 1) * e), single[s]);
                assertArrayEquals(one, Arrays.copyOfRange(logits, s * v, (s + 1) * v), 0f, "sequence " + s + " step " + step);
                assertEquals(single[s].length(), batched[s].length());
            }
        }
        return batched;
    }

    /** Which models batch reproducibly with exact numerics: those whose every product is ggml's per-row dot. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"smolvlm-text-q8_0.gguf, true", "smolvlm-text-f16.gguf, true", "smolvlm-text-q4_0.gguf, false", "smolvlm-text-q4_k_m.gguf, false"})
    void exactStepsAreBatchInvariantOnlyForPerRowProducts(String model, boolean invariant) {
        try (GgufFile f = GgufFile.open(MODELS.resolve(model))) {
            assertEquals(invariant, new LlamaDecoder(f, new ComputePool(1), Numerics.EXACT).decodeStepsBatchInvariant());
        }
    }

    /** Past the prefill's packing threshold (16 rows) a fast decode step still gives each sequence its own floats. */
    @Test
    void aFastStepOfSeventeenSequencesEqualsEachAlone() {
        try (GgufFile f = GgufFile.open(MODELS.resolve("smolvlm-text-q8_0.gguf"))) {
            LlamaDecoder d = new LlamaDecoder(f, new ComputePool(2), Numerics.FAST);
            int n = 17, e = d.embeddingLength(), v = d.vocabularySize();
            KvCache[] batched = new KvCache[n], alone = new KvCache[n];
            float[] input = new float[n * e];
            for (int s = 0; s < n; s++) {
                int[] prompt = {1, 100 + 7 * s, 40 + s};
                batched[s] = prefill(d, prompt);
                alone[s] = prefill(d, prompt);
                d.embed(new int[] {500 + s}, 0, 1, input, s * e);
            }
            float[] logits = d.decodeBatch(input, batched);
            for (int s = 0; s < n; s++) {
                float[] one = d.forward(Arrays.copyOfRange(input, s * e, (s + 1) * e), 1, alone[s], false);
                assertArrayEquals(one, Arrays.copyOfRange(logits, s * v, (s + 1) * v), 0f, "sequence " + s);
            }
        }
    }

    static KvCache prefill(TextDecoder d, int[] tokens) {
        KvCache cache = d.newCache(16);
        float[] x = new float[tokens.length * d.embeddingLength()];
        d.embed(tokens, 0, tokens.length, x, 0);
        d.forward(x, tokens.length, cache, false);
        return cache;
    }
}
