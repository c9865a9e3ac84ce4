package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufMetadata;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Idefics3PreprocessorTest {

    private static GgufMetadata mmproj(Integer longestEdge, String projector) {
        Map<String, GgufValue> kv = new HashMap<>();
        kv.put("clip.projector_type", GgufValue.ofString(projector));
        kv.put("clip.vision.image_size", GgufValue.ofUInt32(128));
        if (longestEdge != null) kv.put("clip.vision.preproc_image_size", GgufValue.ofUInt32(longestEdge));
        kv.put("clip.vision.image_mean", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)));
        kv.put("clip.vision.image_std", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)));
        return new GgufMetadata(Path.of("test-mmproj.gguf"), kv);
    }

    private static RgbImage gradient(int w, int h) {
        byte[] rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = 3 * (y * w + x);
                rgb[p] = (byte) (x * 255 / Math.max(1, w - 1));
                rgb[p + 1] = (byte) (y * 255 / Math.max(1, h - 1));
                rgb[p + 2] = (byte) 40;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void withoutPreprocImageSizeOnlyTheOverviewIsMade() {
        Idefics3Preprocessor p = Idefics3Preprocessor.fromMetadata(mmproj(null, "idefics3"));
        assertEquals(0, p.longestEdge());
        RgbImage img = gradient(300, 200);
        PreprocessedImage pre = p.preprocess(img);
        assertEquals(0, pre.gridCols());
        assertEquals(0, pre.gridRows());
        assertTrue(pre.tiles().isEmpty());
        assertEquals(1, pre.encoderInputs().size());
        // The overview is the original resized straight to the tile, then normalised.
        RgbImage direct = PillowResampler.resize(img, 128, 128, ResizeFilter.LANCZOS);
        float[] ov = pre.overview();
        for (int i = 0; i < 128 * 128; i++) {
            assertEquals(((direct.rgb()[3 * i] & 0xFF) / 255.0f - 0.5f) / 0.5f, ov[i]);
            assertEquals(((direct.rgb()[3 * i + 2] & 0xFF) / 255.0f - 0.5f) / 0.5f, ov[2 * 128 * 128 + i]);
        }
    }

    @Test
    void normalisationMapsBlackAndWhiteToMinusOneAndOne() {
        byte[] rgb = new byte[3 * 2];
        rgb[3] = rgb[4] = rgb[5] = (byte) 255;
        PreprocessedImage pre = Idefics3Preprocessor.fromMetadata(mmproj(null, "idefics3")).preprocess(new RgbImage(2, 1, rgb));
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : pre.overview()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1.0f, min);
        assertEquals(1.0f, max);
    }

    @Test
    void maxLongestEdgeCapsTheTileGrid() {
        RgbImage img = gradient(640, 427);
        assertEquals(4, Idefics3Preprocessor.fromMetadata(mmproj(256, "idefics3")).preprocess(img).tiles().size());
        Idefics3Preprocessor capped = Idefics3Preprocessor.fromMetadata(mmproj(256, "idefics3"), 128);
        assertEquals(128, capped.longestEdge());
        PreprocessedImage pre = capped.preprocess(img);
        assertEquals(1, pre.gridCols());
        assertEquals(1, pre.gridRows());
        // A cap above the model's value changes nothing, and it never enables tiling.
        assertEquals(256, Idefics3Preprocessor.fromMetadata(mmproj(256, "idefics3"), 512).longestEdge());
        assertEquals(0, Idefics3Preprocessor.fromMetadata(mmproj(null, "idefics3"), 512).longestEdge());
    }

    @Test
    void maxLongestEdgeMustBeAMultipleOfTheTileSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idefics3Preprocessor.fromMetadata(mmproj(256, "idefics3"), 200));
        assertTrue(e.getMessage().contains("multiple of the tile size 128"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Idefics3Preprocessor.fromMetadata(mmproj(256, "idefics3"), -128));
    }

    @Test
    void refusesAnotherProjector() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idefics3Preprocessor.fromMetadata(mmproj(256, "qwen3vl_merger")));
        assertTrue(e.getMessage().contains("qwen3vl_merger"), e.getMessage());
    }

    @Test
    void intermediateSizeTruncatesThenRoundsUpToEven() {
        assertArrayEquals(new int[] {256, 170}, Idefics3Preprocessor.intermediateSize(640, 427, 256)); // 170.8 -> 170
        assertArrayEquals(new int[] {256, 170}, Idefics3Preprocessor.intermediateSize(451, 300, 256)); // 170.3 -> 170
        assertArrayEquals(new int[] {32, 256}, Idefics3Preprocessor.intermediateSize(37, 300, 256)); // 31.6 -> 31 -> 32
        assertArrayEquals(new int[] {256, 52}, Idefics3Preprocessor.intermediateSize(1000, 200, 256)); // 51.2 -> 51 -> 52
        assertArrayEquals(new int[] {256, 256}, Idefics3Preprocessor.intermediateSize(1, 1, 256));
        assertArrayEquals(new int[] {2048, 1}, Idefics3Preprocessor.intermediateSize(100000, 1, 2048)); // 0 -> at least 1
    }

    @Test
    void realModelSizesGiveTheDocumentedGrid() {
        // SmolVLM-256M: tile 512, longest edge 2048. A 1000x600 photo becomes 4x3 tiles.
        Idefics3Preprocessor p = new Idefics3Preprocessor(512, 2048, new float[] {.5f, .5f, .5f}, new float[] {.5f, .5f, .5f});
        assertArrayEquals(new int[] {2048, 1536}, p.refinedSize(1000, 600));
        PreprocessedImage pre = p.preprocess(gradient(1000, 600));
        assertEquals(4, pre.gridCols());
        assertEquals(3, pre.gridRows());
        assertEquals(13, pre.encoderInputs().size());
        assertEquals(3 * 512 * 512, pre.tiles().get(11).length);
    }
}
