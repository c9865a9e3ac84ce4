package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LlamaDecoderOracleTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle/smolvlm");
    static final Path QWEN3VL = Path.of("src/test/resources/oracle/qwen3vl");

    @Test
    void text0LogitsMatchLlamaCpp() throws Exception {
        JsonNode m = new ObjectMapper().readTree(ORACLE.resolve("manifest.json").toFile());
        JsonNode tc = m.get("text_cases").get(0);
        int[] tokens = new ObjectMapper().convertValue(tc.get("tokens"), int[].class);
        try (GgufFile f = GgufFile.open(ORACLE.resolve("models/smolvlm-text-f16.gguf"))) {
            LlamaDecoder d = new LlamaDecoder(f, new ComputePool(2), Numerics.EXACT);
            float[] x = new float[tokens.length * d.embeddingLength()];
            d.embed(tokens, 0, tokens.length, x, 0);
            KvCache cache = d.newCache(64);
            float[] logits = d.forward(x, tokens.length, cache, false);
            Diff diff = Diff.of(logits, FloatFiles.read(ORACLE.resolve("text").resolve(tc.get("last_logits_file").asText())));
            // ggml's rounding points and summation orders are reproduced: identical, not just close.
            assertEquals(0.0, diff.maxAbs(), diff.toString());
        }
    }

    /**
     * Qwen3-VL's text model: per-head q/k RMSNorm, interleaved M-RoPE, head width 128 over a
     * 64-wide residual. text2 (48 tokens) also pins flash attention's running sum, which GCC
     * contracts to an FMA in ggml ({@code S = S*ms + vs}): computed unfused it was 2.8e-3 off.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"0, text0", "2, text2"})
    void qwen3vlTextLogitsMatchLlamaCpp(int index, String id) throws Exception {
        JsonNode tc = new ObjectMapper().readTree(QWEN3VL.resolve("manifest-tokenizer-excerpt.json").toFile()).get("text_cases").get(index);
        assertEquals(id, tc.get("id").asText());
        int[] tokens = new ObjectMapper().convertValue(tc.get("tokens"), int[].class);
        try (GgufFile f = GgufFile.open(QWEN3VL.resolve("models/qwen3vl-text-f16-decoder-only.gguf"))) {
            TextDecoder d = TextDecoders.open(f, new ComputePool(2), Numerics.EXACT);
            float[] x = new float[tokens.length * d.embeddingLength()];
            d.embed(tokens, 0, tokens.length, x, 0);
            float[] logits = d.forward(x, tokens.length, d.newCache(64), false);
            Diff diff = Diff.of(logits, FloatFiles.read(QWEN3VL.resolve("text/" + id + ".logits.bin")));
            assertEquals(0.0, diff.maxAbs(), diff.toString());
        }
    }
}
