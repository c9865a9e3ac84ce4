package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Int8Panels;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.tensor.RepackedWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A decoder whose Q8_0 layer weights were repacked at load (the default with fast numerics)
 * computes a prompt exactly as one reading the mapping does — the repacked panels give the
 * packed path's floats bit for bit — while its decode steps, which read the panels too, sum
 * each output in one chain instead of 32 stripes: the same products up to float rounding
 * (which the next Q8 quantization of the activations mostly absorbs: on this tiny model the
 * logits often come out identical).
 */
class RepackedWeightsDecoderTest {
    private static final Path Q8_0 = LlamaDecodeBatchTest.MODELS.resolve("smolvlm-text-q8_0.gguf");

    @Test
    void loadingRepacksEveryProductsQ8_0MatrixOnlyWithFastNumerics() {
        try (GgufFile f = GgufFile.open(Q8_0)) {
            LlamaDecoder fast = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST);
            LlamaConfig c = fast.config();
            long expected = 0;
            for (int l = 0; l < c.nLayer(); l++) {
                expected += 2 * q8(c.kvDim(), c.nEmbd()) + q8(c.qDim(), c.nEmbd()) + q8(c.nEmbd(), c.qDim())
                        + 2 * q8(c.nFf(), c.nEmbd()) + q8(c.nEmbd(), c.nFf());
            }
            expected += q8(c.nVocab(), c.nEmbd()); // the output head (here the token embedding, tied)
            RepackedWeights r = fast.repacked();
            assertEquals(7 * c.nLayer() + 1, r.matrices(), "q, k, v, output, gate, up, down of every layer, and the head");
            assertEquals(expected, r.bytes());
            assertTrue(r.describe().startsWith("repacked " + (7 * c.nLayer() + 1) + " matrices"), r.describe());
            assertTrue(fast.weights.output.repacked());
            float[] row = new float[c.nEmbd()], again = new float[c.nEmbd()];
            new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false).weights.tokenEmbedding.row(123, row, 0);
            fast.weights.tokenEmbedding.row(123, again, 0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(row, again, 0f, "lookups read the mapping, its pages released or not");
            assertEquals(RepackedWeights.NONE, new LlamaDecoder(f, ComputePool.shared(), Numerics.EXACT).repacked());
            assertEquals(RepackedWeights.NONE, new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false).repacked());
        }
    }

    private static long q8(int rows, int cols) {
        return (long) Int8Panels.panelCount(rows) * (cols / 32) * (Int8Panels.PANEL * 4L + 32L * Int8Panels.PANEL);
    }

    @Test
    void aPromptComputesTheSameFloatsAndADecodeStepNearlySoWithRepackedWeights() {
        int[] prompt = new int[20];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + 37 * i % 1000;
        try (GgufFile f = GgufFile.open(Q8_0)) {
            LlamaDecoder repacked = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, true);
            LlamaDecoder mapped = new LlamaDecoder(f, ComputePool.shared(), Numerics.FAST, false);
            int e = repacked.embeddingLength();
            float[] x = new float[prompt.length * e];
            repacked.embed(prompt, 0, prompt.length, x, 0);
            KvCache a = repacked.newCache(32), b = mapped.newCache(32);
            float[] la = repacked.forward(x, prompt.length, a, true), lb = mapped.forward(x, prompt.length, b, true);
            for (int i = 0; i < la.length; i++) {
                assertEquals(Float.floatToRawIntBits(lb[i]), Float.floatToRawIntBits(la[i]), "prompt logit " + i);
            }
            float[] next = new float[e];
            repacked.embed(new int[] {321}, 0, 1, next, 0);
            float[] da = repacked.decodeBatch(next, new KvCache[] {a}), db = mapped.decodeBatch(next, new KvCache[] {b});
            double maxRef = 0, maxDiff = 0;
            for (int i = 0; i < da.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(db[i]));
                maxDiff = Math.max(maxDiff, Math.abs(da[i] - db[i]));
            }
            assertTrue(maxDiff <= 1e-3 * maxRef, "decode logits differ by " + maxDiff + " of " + maxRef);
        }
    }
}
