package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link GlibcTrig} against glibc itself: {@code src/test/resources/ggml/trig/glibc-sincosf.bin}
 * holds cosf and sinf of 12,448 angles (RoPE tables of a vision and a text head, and random
 * angles on both sides of the |x| = 120 reduction switch) as written by {@code sincosf.c} there,
 * with the same bytes from this machine's glibc 2.36 and the oracle chroot's 2.43.
 */
class GlibcTrigTest {
    @Test
    void everyAngleMatchesGlibcBitForBit() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of("src/test/resources/ggml/trig/glibc-sincosf.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0, javaDiffers = 0;
        while (b.remaining() >= 12) {
            float angle = b.getFloat(), cos = b.getFloat(), sin = b.getFloat();
            assertEquals(Float.floatToRawIntBits(cos), Float.floatToRawIntBits(GlibcTrig.cosf(angle)), "cosf(" + angle + ")");
            assertEquals(Float.floatToRawIntBits(sin), Float.floatToRawIntBits(GlibcTrig.sinf(angle)), "sinf(" + angle + ")");
            if ((float) Math.cos(angle) != cos || (float) Math.sin(angle) != sin) javaDiffers++;
            n++;
        }
        assertEquals(12448, n);
        // Why this class exists: the JDK's functions round differently for some of these angles.
        assertTrue(javaDiffers > 100, "Java's cos/sin differ from glibc on " + javaDiffers + " angles");
    }

    @Test
    void specialValues() {
        assertEquals(1f, GlibcTrig.cosf(0f));
        assertEquals(0f, GlibcTrig.sinf(0f));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(GlibcTrig.sinf(-0f)));
        assertTrue(Float.isNaN(GlibcTrig.cosf(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(GlibcTrig.sinf(Float.NaN)));
    }
}
