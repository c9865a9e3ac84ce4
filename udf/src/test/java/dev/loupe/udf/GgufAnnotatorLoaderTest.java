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
        assertDoesNotThrow(() -> loader.validate(MODEL, MMPROJ));
    }

    @Test
    void aTruncatedModelIsNamed(@TempDir Path dir) throws Exception {
        Path cut = dir.resolve("cut.gguf");
        byte[] all = Files.readAllBytes(MODEL);
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(cut, MMPROJ));
        assertEquals(cut, e.file());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aMissingMmprojIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope-mmproj.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(MODEL, missing));
        assertEquals(missing + ": mmproj file does not exist", e.getMessage());
    }

    @Test
    void swappedFilesAreCalledOut() {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(MMPROJ, MODEL));
        assertEquals(MMPROJ, e.file());
        assertTrue(e.getMessage().contains("is an mmproj file"), e.getMessage());
    }

    @Test
    void aFileThatIsNotGgufIsNamed(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("model.gguf"), "definitely not a model");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> loader.validate(MODEL, text));
        assertEquals(text, e.file());
        assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
    }
}
