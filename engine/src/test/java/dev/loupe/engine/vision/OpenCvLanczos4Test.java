package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenCV's Lanczos-4 resize, byte for byte against OpenCV 4.6's own output (see resources/vision/README.md). */
class OpenCvLanczos4Test {
    static final Path DIR = Path.of("src/test/resources/vision");

    @ParameterizedTest(name = "37x300 -> {0}x{1}")
    @CsvSource({"53, 311", "20, 97", "90, 150", "37, 300"})
    void equalsOpenCv(int width, int height) throws Exception {
        RgbImage src = new ImageDecoder().decode(Files.readAllBytes(Path.of("src/test/resources/oracle/images/synth_tall_37x300.png")));
        RgbImage expected = new ImageDecoder().decode(Files.readAllBytes(DIR.resolve("lanczos4_" + width + "x" + height + ".png")));
        RgbImage out = OpenCvLanczos4.resize(src, width, height);
        assertEquals(width, out.width());
        assertEquals(height, out.height());
        int differing = 0;
        for (int i = 0; i < out.rgb().length; i++) if (out.rgb()[i] != expected.rgb()[i]) differing++;
        assertEquals(0, differing, "bytes differing from OpenCV's");
        assertArrayEquals(expected.rgb(), out.rgb());
    }
}
