package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Non-JPEG decoding against stb_image's output for the same files: alpha dropped with the
 * colour kept, gray replicated, palettes expanded, 16-bit to its high byte, low bit depths
 * widened, BMP bit fields, GIF's first frame on its logical screen. References made with
 * stb_image 2.30 (see {@code vision/formats/README.md}).
 */
class ImageDecoderFormatsTest {
    static final Path FORMATS = Path.of("src/test/resources/vision/formats");

    @Test
    void rgbaPngEqualsWhatLlamaCppDecoded() {
        RgbImage ours = new ImageDecoder().decode(OracleFiles.bytes(OracleFiles.IMAGES.resolve("synth_rgba_96x64.png")));
        assertEquals(96, ours.width());
        assertEquals(64, ours.height());
        assertArrayEquals(OracleFiles.stbDecoded("synth_rgba_96x64.png", 96, 64).rgb(), ours.rgb());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "png_rgb16.png", "png_rgba16.png", "png_gray8.png", "png_gray16.png", "png_gray4.png", "png_gray2.png",
        "png_gray1.png", "png_graya8.png", "png_palette_trns.png",
        "bmp24.bmp", "bmp8.bmp", "bmp16.bmp", "bmp32a.bmp",
        "gif_transparent.gif", "gif_offset.gif",
    })
    void matchesStbImage(String file) {
        RgbImage ours = new ImageDecoder().decode(OracleFiles.bytes(FORMATS.resolve(file)));
        byte[] stb = OracleFiles.bytes(FORMATS.resolve(file + ".rgb"));
        assertEquals(stb.length, ours.rgb().length, "size " + ours.width() + "x" + ours.height());
        assertArrayEquals(stb, ours.rgb(), file);
    }

    @Test
    void gifFrameSitsOnItsLogicalScreen() {
        RgbImage img = new ImageDecoder().decode(OracleFiles.bytes(FORMATS.resolve("gif_offset.gif")));
        assertEquals(16, img.width());
        assertEquals(10, img.height());
        // Outside the 9x5 frame at (4,3) the screen stays black.
        assertEquals(0, img.sample(0, 0, 0) | img.sample(0, 0, 1) | img.sample(0, 0, 2));
        assertEquals(0, img.sample(15, 9, 0) | img.sample(15, 9, 1) | img.sample(15, 9, 2));
    }

    @Test
    void losslessWebpDecodesToItsSourcePixels() {
        // Made with cwebp -lossless from webp_source.png (see the README); stb has no WebP.
        RgbImage webp = new ImageDecoder().decode(OracleFiles.bytes(FORMATS.resolve("lossless.webp")));
        RgbImage png = new ImageDecoder().decode(OracleFiles.bytes(FORMATS.resolve("webp_source.png")));
        assertEquals(png.width(), webp.width());
        assertEquals(png.height(), webp.height());
        assertArrayEquals(png.rgb(), webp.rgb());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bmp", "gif", "png"})
    void imageIoWrittenFilesRoundTrip(String format) throws IOException {
        // A 256-colour-safe pattern: GIF keeps it exactly because it has few colours.
        BufferedImage src = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        int[] palette = {0x000000, 0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF, 0x808080, 0x123456};
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) src.setRGB(x, y, palette[(x + 2 * y) % palette.length]);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(src, format, bytes)) throw new IllegalStateException("no writer for " + format);
        RgbImage decoded = new ImageDecoder().decode(bytes.toByteArray());
        assertEquals(7, decoded.width());
        assertEquals(5, decoded.height());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                int p = palette[(x + 2 * y) % palette.length];
                assertEquals(p >> 16 & 0xFF, decoded.sample(x, y, 0), format + " R at " + x + "," + y);
                assertEquals(p >> 8 & 0xFF, decoded.sample(x, y, 1), format + " G at " + x + "," + y);
                assertEquals(p & 0xFF, decoded.sample(x, y, 2), format + " B at " + x + "," + y);
            }
        }
    }
}
