package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.Diff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Youtu-VL's preprocessing and vision tower against llama.cpp (the oracle's tiny youtuvl mmproj):
 * chelsea.png becomes 480 x 320 pixels, 15 x 10 merged tokens, which the 8 x 8 windows split
 * into four (two of them partial): its embeddings pin the window order, the window attention of
 * layers 0 and 2 (ggml's tiled kernel with the window mask, 600 patches) and the full attention
 * of layers 1 and 3.
 */
class YoutuVlVisionTest {
    static final Path YOUTUVL = OracleFiles.ROOT.resolve("youtuvl");
    static GgufFile mmproj;

    @BeforeAll
    static void open() {
        mmproj = GgufFile.open(YOUTUVL.resolve("models/youtuvl-mmproj-f16.gguf"));
    }

    @AfterAll
    static void close() {
        mmproj.close();
    }

    /** llama.cpp's sizes: sides rounded up to 32 px; shrunk in float32 steps of 0.02 only past the cap. */
    @ParameterizedTest(name = "{0}x{1}, at most {2} tokens -> {3}x{4}")
    @CsvSource({"640, 427, 62500, 640, 448", "451, 300, 62500, 480, 320", "1, 1, 62500, 32, 32", "37, 300, 62500, 64, 320",
            "1000, 200, 62500, 1024, 224",
            // 3000x4000 under 2048 tokens (8192 patches): scale 0.40 in float32 gives 1216x1632 (76 x 102 patches =
            // 7752); in float64 (Hugging Face) 0.4 gives 1216x1600. Computed by hand from the C++ loop.
            "3000, 4000, 2048, 1216, 1632",
            // A cap of one token: the smallest size, one merged token.
            "500, 500, 1, 32, 32"})
    void targetSizes(int w, int h, int maxTokens, int tw, int th) {
        float[] half = {0.5f, 0.5f, 0.5f};
        assertArrayEquals(new int[] {tw, th}, new YoutuVlPreprocessor(16, 2, maxTokens, half, half).targetSize(w, h));
    }

    @Test
    void aTokenCapBelowOneIsRefused() {
        float[] half = {0.5f, 0.5f, 0.5f};
        assertThrows(IllegalArgumentException.class, () -> new YoutuVlPreprocessor(16, 2, 0, half, half));
    }

    @Test
    void embeddingsEqualLlamaCppBitForBit() throws IOException {
        DynamicImage image = chelsea();
        assertEquals(480, image.width());
        assertEquals(320, image.height());
        float[] embd = new YoutuVlEncoder(mmproj, new ComputePool(2), Numerics.EXACT).encode(image);
        Diff d = Diff.of(embd, OracleFiles.floats(YOUTUVL.resolve("image/image1.img0.embd.bin")));
        assertEquals(0.0, d.maxAbs(), d.toString());
    }

    /** Fast numerics (f32 products, each window its own attention) stay within the oracle's tolerance, and are not exact. */
    @Test
    void fastEmbeddingsAreWithinTolerance() throws IOException {
        float[] embd = new YoutuVlEncoder(mmproj, new ComputePool(2), Numerics.FAST).encode(chelsea());
        Diff d = Diff.of(embd, OracleFiles.floats(YOUTUVL.resolve("image/image1.img0.embd.bin")));
        assertTrue(d.within(1e-2) && d.maxAbs() > 0, d.toString());
    }

    /**
     * clip.cpp's window order on a 3 x 2 grid of merged tokens with windows of 2 x 2: the first
     * window holds tokens 0, 1, 3, 4 (row-major inside it), the partial second one 2 and 5; each
     * window's patches (4 per token) are one run of rows.
     */
    @Test
    void windowOrderIsClipCpps() {
        YoutuVlEncoder.WindowLayout w = new YoutuVlEncoder.WindowLayout(3, 2, 2);
        int[] order = new int[6];
        for (int s = 0; s < 6; s++) order[s] = w.tokenAt(s);
        assertArrayEquals(new int[] {0, 1, 3, 4, 2, 5}, order);
        for (int s = 0; s < 6; s++) assertEquals(s, w.slotOf(w.tokenAt(s)));
        assertEquals(0, w.patchWindowStarts()[15]);
        assertEquals(16, w.patchWindowEnds()[15]);
        assertEquals(16, w.patchWindowStarts()[16]);
        assertEquals(24, w.patchWindowEnds()[23]);
    }

    @Test
    void imagesMustBeWholeMergeBlocks() {
        YoutuVlEncoder encoder = new YoutuVlEncoder(mmproj, new ComputePool(1), Numerics.EXACT);
        assertThrows(IllegalArgumentException.class, () -> encoder.encode(new DynamicImage(48, 32, new float[3 * 48 * 32])));
    }

    @Test
    void otherProjectorsAreRefusedByName() {
        try (GgufFile smol = GgufFile.open(OracleFiles.SMOLVLM_MMPROJ)) {
            Exception e = assertThrows(RuntimeException.class, () -> new YoutuVlEncoder(smol, new ComputePool(1), Numerics.EXACT));
            assertTrue(e.getMessage().contains("idefics3") && e.getMessage().contains("youtuvl"), e.getMessage());
        }
    }

    private static DynamicImage chelsea() throws IOException {
        RgbImage rgb = new ImageDecoder().decode(Files.readAllBytes(OracleFiles.IMAGES.resolve("chelsea.png")));
        return YoutuVlPreprocessor.fromMetadata(mmproj.metadata(), YoutuVlPreprocessor.DEFAULT_MAX_TOKENS).preprocess(rgb);
    }
}
