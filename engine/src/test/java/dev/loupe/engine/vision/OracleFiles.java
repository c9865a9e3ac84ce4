package dev.loupe.engine.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the llama.cpp oracle copied into test resources (tests run in the module directory). */
final class OracleFiles {
    static final Path ROOT = Path.of("src/test/resources/oracle");
    static final Path IMAGES = ROOT.resolve("images");
    static final Path SMOLVLM = ROOT.resolve("smolvlm");
    static final Path SMOLVLM_MMPROJ = SMOLVLM.resolve("models/smolvlm-mmproj-f16.gguf");

    private OracleFiles() {
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(Path p) {
        byte[] b = bytes(p);
        float[] out = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static JsonNode smolvlmManifest() {
        try {
            return new ObjectMapper().readTree(SMOLVLM.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The RGB bytes llama.cpp's stb_image decoded for {@code name} (JPEG and RGBA PNG only). */
    static RgbImage stbDecoded(String name, int width, int height) {
        return new RgbImage(width, height, bytes(IMAGES.resolve("decoded").resolve(name + ".rgb")));
    }
}
