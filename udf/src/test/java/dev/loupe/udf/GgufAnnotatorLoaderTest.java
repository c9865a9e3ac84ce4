package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.kernels.Numerics;
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
        assertDoesNotThrow(() -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 128, Numerics.FAST)));
        assertDoesNotThrow(() -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 512, Numerics.FAST)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 200, Numerics.FAST)));
        assertEquals("--max-longest-edge (spark.loupe.maxLongestEdge) 200 must be a multiple of the tile size 128 of "
                + MMPROJ + ", e.g. 128", e.getMessage());
    }

    @Test
    void anImageTokenCapIsRefusedForATiledModelNamingTheOptionAndTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loader.validate(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 0, Numerics.FAST, 64)));
        assertEquals("--max-image-tokens (spark.loupe.maxImageTokens) applies to dynamic-resolution models (Qwen3-VL, Youtu-VL); " + MMPROJ
                + " is an idefics3 projector, capped by --max-longest-edge", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 0, Numerics.FAST, -1));
    }

    @Test
    void aMaxLongestEdgeIsRefusedForAProjectorWithoutTiles() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufAnnotatorLoader.checkMaxLongestEdge("qwen-mmproj.gguf", "qwen3vl_merger", 16, 512));
        assertTrue(e.getMessage().contains("applies to idefics3 models (SmolVLM); qwen-mmproj.gguf is a qwen3vl_merger projector"), e.getMessage());
    }

    private static ModelKey key(Path model, Path mmproj) {
        return new ModelKey(model.toString(), mmproj.toString(), null);
    }

    @Test
    void remoteFilesAreCheckedFromTheirHeadersWithTheUriNamed(@TempDir Path dir) throws Exception {
        // Before Spark starts, the job's Hadoop settings come from spark.hadoop.* system properties.
        System.setProperty("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl", LocalAsRemoteFileSystem.class.getName());
        System.setProperty("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl.disable.cache", "true");
        try {
            String model = LocalAsRemoteFileSystem.uri(MODEL);
            String mmproj = LocalAsRemoteFileSystem.uri(MMPROJ);
            assertDoesNotThrow(() -> loader.validate(new ModelKey(model, mmproj, null, 256, Numerics.FAST)));

            IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class, () -> loader.validate(new ModelKey(mmproj, model, null)));
            assertTrue(swapped.getMessage().startsWith(mmproj + ": this is an mmproj file"), swapped.getMessage());

            IllegalArgumentException edge = assertThrows(IllegalArgumentException.class, () -> loader.validate(new ModelKey(model, mmproj, null, 100, Numerics.FAST)));
            assertTrue(edge.getMessage().endsWith("100 must be a multiple of the tile size 128 of " + mmproj + ", e.g. 128"), edge.getMessage());

            String missing = LocalAsRemoteFileSystem.uri(dir.resolve("gone-mmproj.gguf"));
            IllegalArgumentException gone = assertThrows(IllegalArgumentException.class, () -> loader.validate(new ModelKey(model, missing, null)));
            assertEquals(missing + ": mmproj file does not exist", gone.getMessage());

            Path head = Files.write(dir.resolve("head.gguf"), Arrays.copyOf(Files.readAllBytes(MODEL), 200));
            IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                    () -> loader.validate(new ModelKey(LocalAsRemoteFileSystem.uri(head), mmproj, null)));
            assertTrue(cut.getMessage().startsWith(LocalAsRemoteFileSystem.uri(head) + ": ") && cut.getMessage().contains("truncated"), cut.getMessage());

            Path text = Files.writeString(dir.resolve("text.gguf"), "definitely not a model");
            IllegalArgumentException notGguf = assertThrows(IllegalArgumentException.class,
                    () -> loader.validate(new ModelKey(LocalAsRemoteFileSystem.uri(text), mmproj, null)));
            assertTrue(notGguf.getMessage().startsWith(LocalAsRemoteFileSystem.uri(text) + ": not a GGUF file"), notGguf.getMessage());
        } finally {
            System.clearProperty("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl");
            System.clearProperty("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl.disable.cache");
        }
    }
}
