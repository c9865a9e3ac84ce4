package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.FloatFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Qwen3-VL's preprocessing and vision tower against llama.cpp: the oracle's tiny random-weight
 * mmproj (F16, 6 blocks, DeepStack after blocks 1, 3, 4), three of its images and what
 * llama.cpp computed for them (preprocessed pixels, image embeddings), copied into test
 * resources. The sizes cover the minimum-token path (1x1 -> 96x96), a 2 x 18 patch grid
 * (37x300 -> 32x288, a position table resized to a thin grid) and a letterboxed resize
 * (96x64 -> 128x96).
 */
class Qwen3VlVisionTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static GgufFile mmproj;

    @BeforeAll
    static void open() {
        mmproj = GgufFile.open(ORACLE.resolve("qwen3vl/models/qwen3vl-mmproj-f16.gguf"));
    }

    static Qwen3VlPreprocessor defaults() {
        return Qwen3VlPreprocessor.fromMetadata(mmproj.metadata(), Qwen3VlPreprocessor.DEFAULT_MIN_TOKENS, Qwen3VlPreprocessor.DEFAULT_MAX_TOKENS);
    }

    /** Hand-checked against spec §3.3's rules (float32 arithmetic, factor 32). */
    @ParameterizedTest(name = "{0}x{1} with {2}..{3} tokens -> {4}x{5}")
    @CsvSource({
        "1000, 600, 8, 4096, 992, 608",  // the spec's example: round(31.25) = 31, round(18.75) = 19 blocks
        "1, 1, 8, 4096, 96, 96",         // below 8 tokens: scaled up by sqrt(8192 / 1), ceil to 3 blocks a side
        "640, 427, 8, 16, 128, 96",      // above 16 tokens: beta = sqrt(273280 / 16384), floor to 4 x 3 blocks
        "64, 64, 8, 4096, 96, 96",       // 4 tokens < 8: beta = sqrt(2), ceil(90.5 / 32) = 3
        "32, 2000, 1, 4096, 32, 2016"})  // a thin strip keeps its one block of width
    void targetSizes(int w, int h, int min, int max, int tw, int th) {
        Qwen3VlPreprocessor p = new Qwen3VlPreprocessor(16, 2, min, max, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
        assertArrayEquals(new int[] {tw, th}, p.targetSize(w, h));
    }

    @Test
    void tokenLimitsAreChecked() {
        float[] half = {0.5f, 0.5f, 0.5f};
        assertThrows(IllegalArgumentException.class, () -> new Qwen3VlPreprocessor(16, 2, 0, 10, half, half));
        assertThrows(IllegalArgumentException.class, () -> new Qwen3VlPreprocessor(16, 2, 20, 10, half, half));
    }

    @ParameterizedTest(name = "image{0}: {1}")
    @CsvSource({"2, synth_1x1.png, 96, 96", "3, synth_tall_37x300.png, 32, 288", "5, synth_rgba_96x64.png, 128, 96"})
    void pixelsAndEmbeddingsEqualLlamaCpp(int id, String file, int width, int height) throws IOException {
        DynamicImage image = defaults().preprocess(new ImageDecoder().decode(Files.readAllBytes(ORACLE.resolve("images").resolve(file))));
        assertEquals(width, image.width());
        assertEquals(height, image.height());
        assertArrayEquals(FloatFiles.read(ORACLE.resolve("qwen3vl/image/image" + id + ".img0.pre.bin")), image.chw());

        float[] expected = FloatFiles.read(ORACLE.resolve("qwen3vl/image/image" + id + ".img0.embd.bin"));
        Qwen3VlEncoder exact = new Qwen3VlEncoder(mmproj, new ComputePool(2), Numerics.EXACT);
        assertEquals(4 * 64, exact.outputWidth(), "merger + 3 DeepStack vectors of the text width");
        assertArrayEquals(expected, exact.encode(image), "bit-identical to llama.cpp");

        float[] fast = new Qwen3VlEncoder(mmproj, new ComputePool(2), Numerics.FAST).encode(image);
        double worst = 0, scale = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(fast[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertTrue(worst / scale < 1e-2, "fast numerics within 1e-2 of the largest value: " + worst / scale);
    }

    @Test
    void imagesMustBeWholeMergeBlocks() {
        Qwen3VlEncoder encoder = new Qwen3VlEncoder(mmproj, new ComputePool(1), Numerics.EXACT);
        assertThrows(IllegalArgumentException.class, () -> encoder.encode(new DynamicImage(48, 32, new float[3 * 48 * 32])));
    }

    @Test
    void otherProjectorsAreRefusedByName() {
        GgufFile smol = GgufFile.open(ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf"));
        Exception e = assertThrows(RuntimeException.class, () -> new Qwen3VlEncoder(smol, new ComputePool(1), Numerics.EXACT));
        assertTrue(e.getMessage().contains("idefics3"), e.getMessage());
    }
}
