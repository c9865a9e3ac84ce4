package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.Qwen3VlEncoder;
import dev.loupe.engine.vision.Qwen3VlPreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Qwen3-VL image prompt end to end against llama.cpp, from a plain clone: the oracle's image
 * through preprocessing and the vision tower (its mmproj), then the text model with the image
 * tokens' 2-D M-RoPE positions and DeepStack features (the decoder-only copy of its text model;
 * the text chunks' token ids are llama.cpp's, from the manifest excerpt). Image 2 is 3 x 3 tokens
 * and image 5 4 x 3: both advance the positions by less than their token count (max(nx, ny)),
 * so the text after them checks that too.
 */
class Qwen3VlImagePromptTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final Path QWEN3VL = ORACLE.resolve("qwen3vl");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"image2, synth_1x1.png, 18", "image5, synth_rgba_96x64.png, 20"})
    void promptLogitsEqualLlamaCpp(String id, String file, int positionsAfterPrompt) throws Exception {
        JsonNode c = null;
        for (JsonNode x : new ObjectMapper().readTree(QWEN3VL.resolve("manifest-tokenizer-excerpt.json").toFile()).get("image_cases")) {
            if (x.get("id").asText().equals(id)) c = x;
        }
        JsonNode chunks = c.get("chunks");
        int[] before = new ObjectMapper().convertValue(chunks.get(0).get("tokens"), int[].class);
        int[] after = new ObjectMapper().convertValue(chunks.get(2).get("tokens"), int[].class);
        ComputePool pool = new ComputePool(2);
        try (GgufFile mmproj = GgufFile.open(QWEN3VL.resolve("models/qwen3vl-mmproj-f16.gguf"));
             GgufFile text = GgufFile.open(QWEN3VL.resolve("models/qwen3vl-text-f16-decoder-only.gguf"))) {
            DynamicImage image = Qwen3VlPreprocessor.fromMetadata(mmproj.metadata(), 8, 4096)
                    .preprocess(new ImageDecoder().decode(Files.readAllBytes(ORACLE.resolve("images").resolve(file))));
            float[] embedded = new Qwen3VlEncoder(mmproj, pool, Numerics.EXACT).encode(image);
            TextDecoder decoder = TextDecoders.open(text, pool, Numerics.EXACT);
            int gx = image.width() / 32, gy = image.height() / 32;
            assertEquals(chunks.get(1).get("n_tokens").asInt(), gx * gy);
            List<PromptSegment> prompt = List.of(new PromptSegment.Text(before),
                    new PromptSegment.Embeddings(embedded, gx * gy, decoder.imageEmbeddingLength(), gx, gy), new PromptSegment.Text(after));
            KvCache cache = decoder.newCache(64);
            float[] logits = new Generator(decoder, null).prefill(prompt, cache);
            assertEquals(before.length + gx * gy + after.length, cache.length(), "one KV cell per token");
            assertEquals(positionsAfterPrompt, cache.nextPosition(), "llama.cpp's n_past after the prompt");
            Diff diff = Diff.of(logits, FloatFiles.read(QWEN3VL.resolve("image").resolve(id + ".logits.bin")));
            assertEquals(0.0, diff.maxAbs(), diff.toString());
        }
    }
}
