package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver-side model check, on the tiny SmolVLM pair in sample-data/models. */
class GgufAnnotatorLoaderTest {
    static final Path MODEL = Path.of("..", "sample-data", "models", "smolvlm-text-q8_0.gguf");
    static final Path MMPROJ = Path.of("..", "sample-data", "models", "smolvlm-mmproj-f16.gguf");

    private final GgufAnnotatorLoader loader = new GgufAnnotatorLoader();

    @Test
    void aValidPairPasses() {
        assertDoesNotThrow(() -> loader.validate(key(MODEL, MMPROJ)));
    }

    @Test
    void aTruncatedModelIsNamed(@TempDir Path dir) throws Exception {
        Path cut = dir.resolve("cut.gguf");
        byte[] all = Files.readAllBytes(MODEL);
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(key(cut, MMPROJ)));
        assertEquals(cut, e.file());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aMissingMmprojIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope-mmproj.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(key(MODEL, missing)));
        assertEquals(missing + ": mmproj file does not exist", e.getMessage());
    }

    @Test
    void swappedFilesAreCalledOut() {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(key(MMPROJ, MODEL)));
        assertEquals(MMPROJ, e.file());
        assertTrue(e.getMessage().contains("is an mmproj file"), e.getMessage());
    }

    @Test
    void aFileThatIsNotGgufIsNamed(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "definitely not a model");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(key(MODEL, text)));
        assertEquals(text, e.file());
        assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
    }

    @Test
    void aMaxLongestEdgeMustBeAMultipleOfTheTileSizeNamedWithTheMmproj() {
        // The tiny SmolVLM's mmproj: 128-pixel tiles, images scaled to a longest edge of 256.
        assertDoesNotThrow(() -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 128)));
        assertDoesNotThrow(() -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 512)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 200)));
        assertEquals("--max-longest-edge (spark.loupe.maxLongestEdge) 200 must be a multiple of the tile size 128 of "
                + MMPROJ + ", e.g. 128", e.getMessage());
    }

    @Test
    void aMaxLongestEdgeIsRefusedForAProjectorWithoutTiles() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufAnnotatorLoader.checkMaxLongestEdge(Path.of("qwen-mmproj.gguf"), "qwen3vl_merger", 16, 512));
        assertTrue(e.getMessage().contains("applies to idefics3 models (SmolVLM); qwen-mmproj.gguf is a qwen3vl_merger projector"), e.getMessage());
    }

    private static ModelKey key(Path model, Path mmproj) {
        return new ModelKey(model.toString(), mmproj.toString(), null);
    }
}
