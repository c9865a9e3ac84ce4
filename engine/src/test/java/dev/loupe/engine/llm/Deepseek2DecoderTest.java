package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Youtu-VL's text model (deepseek2, multi-head latent attention) against llama.cpp on the
 * oracle's tiny model: text0 (58 tokens: ggml's one-row flash-attention kernel) and text2
 * (88 tokens: its tiled kernel) with F16 weights, text0 with the Q4_K_M file (K-quants,
 * repacked 2-D Q4_K weights beside the per-head 3-D {@code attn_k_b} / {@code attn_v_b},
 * which ggml never repacks).
 */
class Deepseek2DecoderTest {
    static final Path YOUTUVL = Path.of("src/test/resources/oracle/youtuvl");
    static final Path F16 = YOUTUVL.resolve("models/youtuvl-text-f16.gguf");
    static final Path Q4_K_M = YOUTUVL.resolve("models/youtuvl-text-q4_k_m-decoder-only.gguf");

    @ParameterizedTest(name = "{1} {2}")
    @CsvSource({"0, text0, youtuvl-text-f16.gguf, text/text0.logits.bin",
            "2, text2, youtuvl-text-f16.gguf, text/text2.logits.bin",
            "0, text0, youtuvl-text-q4_k_m-decoder-only.gguf, quant/text0_q4_k_m.logits.bin"})
    void exactLogitsAreLlamaCppsBitForBit(int index, String id, String model, String reference) throws Exception {
        Diff diff = Diff.of(lastLogits(YOUTUVL.resolve("models").resolve(model), tokens(index, id), Numerics.EXACT),
                FloatFiles.read(YOUTUVL.resolve(reference)));
        assertEquals(0.0, diff.maxAbs(), diff.toString());
    }

    /** Fast numerics (F32 products and attention for the prompt) stay within the oracle's 1e-2 of max|logit|. */
    @Test
    void fastLogitsAreWithinTheOracleTolerance() throws Exception {
        Diff diff = Diff.of(lastLogits(F16, tokens(2, "text2"), Numerics.FAST), FloatFiles.read(YOUTUVL.resolve("text/text2.logits.bin")));
        assertTrue(diff.within(1e-2), diff.toString());
        assertTrue(diff.maxAbs() > 0, "fast numerics are not ggml's arithmetic: identical logits mean the fast path did not run");
    }

    @Test
    void readsTheMlaHyperParameters() {
        try (GgufFile f = GgufFile.open(F16)) {
            TextDecoder d = TextDecoders.open(f, new ComputePool(1), Numerics.EXACT);
            Deepseek2Config c = assertInstanceOf(Deepseek2Decoder.class, d).config();
            assertEquals(new Deepseek2Config(256, 2, 2, 256, 512, 128, 64, 128, 512, 6777, 500000f, 1e-6f, 32768), c);
            assertEquals(576, c.latentWidth());
            // One 576-float row per position and layer, where separate keys and values of every
            // head (2 x 2 x 192) would be 768.
            assertEquals(2L * 64 * 576 * Float.BYTES, d.cacheBytes(64));
            assertEquals(d.cacheBytes(64), d.newCache(64).bytes());
            assertEquals((float) (1 / Math.sqrt(192)), c.attentionScale(), 1e-9f);
        }
    }

    /** Decode steps of several sequences equal each sequence's own steps, bit for bit, in both numerics. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"youtuvl-text-f16.gguf, EXACT", "youtuvl-text-f16.gguf, FAST",
            "youtuvl-text-q4_k_m-decoder-only.gguf, FAST"})
    void batchedStepsEqualEachSequenceAlone(String model, Numerics numerics) {
        try (GgufFile f = GgufFile.open(YOUTUVL.resolve("models").resolve(model))) {
            TextDecoder d = TextDecoders.open(f, new ComputePool(2), numerics);
            assertTrue(d.decodeStepsBatchInvariant());
            LlamaDecodeBatchTest.assertBatchedStepsEqual(d, (input, cache) -> d.decodeBatch(input, new KvCache[] {cache}));
        }
    }

    /** Exact numerics batch reproducibly only where every product is ggml's per-row dot (F16 yes, K-quants no). */
    @Test
    void exactK_QuantStepsAreNotBatchInvariant() {
        try (GgufFile f = GgufFile.open(Q4_K_M)) {
            assertEquals(false, TextDecoders.open(f, new ComputePool(1), Numerics.EXACT).decodeStepsBatchInvariant());
        }
    }

    @Test
    void refusesWhatItDoesNotRunNamingTheReason(@TempDir Path dir) {
        assertRefused(dir, "moe.gguf", w -> {
            w.put("deepseek2.expert_count", GgufValue.ofUInt32(64));
            w.put("deepseek2.leading_dense_block_count", GgufValue.ofUInt32(1));
        }, UnsupportedOperationException.class, "mixture-of-experts");
        assertRefused(dir, "yarn.gguf", w -> w.put("deepseek2.rope.scaling.type", GgufValue.ofString("yarn")),
                UnsupportedOperationException.class, "rope.scaling.type 'yarn'");
        assertRefused(dir, "mha.gguf", w -> w.put("deepseek2.attention.head_count_kv", GgufValue.ofUInt32(2)),
                GgufFormatException.class, "head_count_kv is 2");
    }

    private static void assertRefused(Path dir, String name, Consumer<GgufWriter> edit, Class<? extends RuntimeException> type,
                                      String message) {
        Path out = dir.resolve(name);
        try (GgufFile in = GgufFile.open(F16)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().asMap().entrySet()) w.put(e.getKey(), e.getValue());
            edit.accept(w);
            for (GgufTensor t : in.tensors().values()) w.addTensor(t.name(), t.type(), t.ne(), t.data());
            w.write(out);
        }
        try (GgufFile f = GgufFile.open(out)) {
            RuntimeException e = assertThrows(type, () -> TextDecoders.open(f, new ComputePool(1), Numerics.EXACT));
            assertTrue(e.getMessage().contains(message) && e.getMessage().contains(name), e.getMessage());
        }
    }

    static int[] tokens(int index, String id) throws Exception {
        JsonNode c = new ObjectMapper().readTree(YOUTUVL.resolve("manifest-tokenizer-excerpt.json").toFile()).get("text_cases").get(index);
        assertEquals(id, c.get("id").asText());
        return new ObjectMapper().convertValue(c.get("tokens"), int[].class);
    }

    static float[] lastLogits(Path model, int[] tokens, Numerics numerics) {
        try (GgufFile f = GgufFile.open(model)) {
            TextDecoder d = TextDecoders.open(f, new ComputePool(2), numerics);
            float[] x = new float[tokens.length * d.embeddingLength()];
            d.embed(tokens, 0, tokens.length, x, 0);
            return d.forward(x, tokens.length, d.newCache(tokens.length), false);
        }
    }
}
