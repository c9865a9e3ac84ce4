package dev.loupe.engine.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The oracle's raw little-endian float32 files. */
public final class FloatFiles {
    private FloatFiles() {}

    public static float[] read(Path file) {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length % 4 != 0) throw new IllegalArgumentException(file + ": " + b.length + " bytes is not a whole number of float32 values");
            float[] out = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
