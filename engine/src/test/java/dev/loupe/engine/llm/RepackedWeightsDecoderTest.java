package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Int8Panels;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.WeightKernel;
import dev.loupe.engine.tensor.RepackedWeights;
import dev.loupe.engine.tensor.WeightMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A decoder whose quantized weights were repacked at load (the default with fast numerics)
 * computes a prompt exactly as one reading the mapping does — the repacked panels give the
 * packed path's floats bit for bit — while its decode steps, which read the panels too, sum
 * each output in one chain instead of 32 stripes: the same products up to float rounding
 * (which the next Q8 quantization of the activations mostly absorbs: on this tiny model the
 * logits often come out identical).
 */
class RepackedWeightsDecoderTest {
    /** Q4_K, Q5_0, Q6_K and Q8_0 matrices: repacked on every machine. */
    private static final Path Q4_K_M = LlamaDecodeBatchTest.MODELS.resolve("smolvlm-text-q4_k_m.gguf");

    @Test
    void loadingRepacksEveryProductsMatrixWorthItOnlyWithFastNumerics() {
        try (GgufFile f = GgufFile.open(Q4_K_M)) {
            LlamaDecoder fast = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST);
            LlamaConfig c = fast.config();
            java.util.List<WeightMatrix> products = fast.weights.productMatrices();
            assertEquals(7 * c.nLayer() + 1, products.size(), "q, k, v, output, gate, up, down of every layer, and the head");
            int matrices = 0;
            long bytes = 0;
            for (WeightMatrix m : products) {
                WeightKernel kernel = Kernels.forType(m.type(), m.name());
                assertTrue(m.repacked(), m.name() + " (" + m.type() + ")");
                if (m.repacked()) {
                    matrices++;
                    bytes += Int8Panels.bytesFor(m.rows(), m.cols(), kernel.int8Codes(m.data(), m.cols()));
                }
            }
            assertTrue(matrices >= 6 * c.nLayer(), "the K-quant and Q5_0 matrices at least: " + matrices);
            RepackedWeights r = fast.repacked();
            assertEquals(matrices, r.matrices());
            assertEquals(bytes, r.bytes());
            assertTrue(r.describe().startsWith("repacked " + matrices + " matrices"), r.describe());
            float[] row = new float[c.nEmbd()], again = new float[c.nEmbd()];
            new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false).weights.tokenEmbedding.row(123, row, 0);
            fast.weights.tokenEmbedding.row(123, again, 0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(row, again, 0f, "lookups read the mapping, its pages released or not");
            assertEquals(RepackedWeights.NONE, new LlamaDecoder(f, ComputePool.shared(), Numerics.EXACT).repacked());
            assertEquals(RepackedWeights.NONE, new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false).repacked());
        }
    }

    /**
     * The repacked panels scale each group's code sums where the mapped path packs dequantized
     * rows (Int8Panels): a prompt's logits and the next decode step's agree within rounding
     * (each product's floats are pinned in Int8PanelsTest).
     */
    @Test
    void aPromptAndADecodeStepComputeNearlyTheSameFloatsWithRepackedWeights() {
        int[] prompt = new int[20];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + 37 * i % 1000;
        try (GgufFile f = GgufFile.open(Q4_K_M)) {
            LlamaDecoder repacked = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, true);
            LlamaDecoder mapped = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false);
            int e = repacked.embeddingLength();
            float[] x = new float[prompt.length * e];
            repacked.embed(prompt, 0, prompt.length, x, 0);
            KvCache a = repacked.newCache(32), b = mapped.newCache(32);
            float[] la = repacked.forward(x, prompt.length, a, true), lb = mapped.forward(x, prompt.length, b, true);
            assertClose(lb, la, "prompt");
            float[] next = new float[e];
            repacked.embed(new int[] {321}, 0, 1, next, 0);
            float[] da = repacked.decodeBatch(next, new KvCache[] {a}), db = mapped.decodeBatch(next, new KvCache[] {b});
            assertClose(db, da, "decode");
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        // Twenty random layers amplify a product's rounding (each within 1e-5 of its magnitude,
        // Int8PanelsTest) to ~1.5e-2 of the largest logit — what the oracle's quantized cases
        // show against llama.cpp too; a wrong scale or minimum is off by the logits' own size.
        assertTrue(maxDiff <= 3e-2 * maxRef, what + " logits differ by " + maxDiff + " of " + maxRef);
    }
}
