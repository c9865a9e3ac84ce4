package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** Bad input fails fast with an {@link IllegalArgumentException} that says what is wrong. */
class ImageDecoderErrorsTest {
    private static final Duration QUICK = Duration.ofSeconds(10);

    private static String failure(ImageDecoder decoder, byte[] data) {
        return assertTimeoutPreemptively(QUICK,
                () -> assertThrows(IllegalArgumentException.class, () -> decoder.decode(data)).getMessage());
    }

    private static String failure(byte[] data) {
        return failure(new ImageDecoder(), data);
    }

    private static void assertMentions(String message, String... words) {
        for (String w : words) {
            assertTrue(message.contains(w), "message \"" + message + "\" should mention \"" + w + "\"");
        }
    }

    @Test
    void zeroBytes() {
        assertMentions(failure(new byte[0]), "zero-byte image");
        assertMentions(failure(null), "zero-byte image");
    }

    @Test
    void unrecognisedFormat() {
        byte[] garbage = "this is not an image at all".getBytes(StandardCharsets.US_ASCII);
        assertMentions(failure(garbage), "unrecognised image format", "74686973"); // the first bytes, hex
    }

    @Test
    void truncatedPng() {
        byte[] png = OracleFiles.bytes(OracleFiles.IMAGES.resolve("chelsea.png"));
        assertMentions(failure(Arrays.copyOf(png, png.length / 2)), "corrupt or truncated PNG");
        assertMentions(failure(Arrays.copyOf(png, 20)), "corrupt or truncated PNG");
    }

    @Test
    void truncatedBaselineJpeg() {
        byte[] jpg = OracleFiles.bytes(OracleFiles.IMAGES.resolve("china.jpg"));
        assertMentions(failure(Arrays.copyOf(jpg, jpg.length * 3 / 5)), "truncated JPEG", "scan 1");
        // Cut inside the header segments, before the frame header.
        assertMentions(failure(Arrays.copyOf(jpg, 300)), "truncated JPEG");
        // Only the last two bytes (EOI) missing: every MCU is there, stb and Loupe accept it.
        RgbImage almost = new ImageDecoder().decode(Arrays.copyOf(jpg, jpg.length - 2));
        assertEquals(640, almost.width());
    }

    @Test
    void truncatedProgressiveJpeg() {
        byte[] jpg = OracleFiles.bytes(JpegDecoderTest.JPEG.resolve("chelsea_420_progressive.jpg"));
        assertMentions(failure(Arrays.copyOf(jpg, jpg.length / 2)), "truncated JPEG");
        // Without EOI a progressive file may still be waiting for refinement scans.
        assertMentions(failure(Arrays.copyOf(jpg, jpg.length - 2)), "truncated JPEG");
    }

    @Test
    void truncatedGifBmpAndWebp() {
        java.nio.file.Path formats = ImageDecoderFormatsTest.FORMATS;
        byte[] gif = OracleFiles.bytes(formats.resolve("gif_transparent.gif"));
        assertMentions(failure(Arrays.copyOf(gif, gif.length / 2)), "corrupt or truncated GIF");
        byte[] bmp = OracleFiles.bytes(formats.resolve("bmp24.bmp"));
        assertMentions(failure(Arrays.copyOf(bmp, bmp.length / 2)), "corrupt or truncated BMP", "EOFException");
        byte[] webp = OracleFiles.bytes(formats.resolve("lossless.webp"));
        assertMentions(failure(Arrays.copyOf(webp, webp.length / 2)), "truncated WEBP", "declares " + webp.length + " bytes");
    }

    @Test
    void unsupportedJpegProcess() {
        byte[] jpg = OracleFiles.bytes(OracleFiles.IMAGES.resolve("china.jpg")).clone();
        int sof = indexOfMarker(jpg, 0xC0);
        jpg[sof + 1] = (byte) 0xC3; // lossless
        assertMentions(failure(jpg), "unsupported JPEG process", "SOF3");
    }

    @Test
    void hugeDeclaredJpegIsRefusedBeforeAllocating() {
        byte[] jpg = OracleFiles.bytes(OracleFiles.IMAGES.resolve("china.jpg")).clone();
        int sof = indexOfMarker(jpg, 0xC0);
        // height and width follow the length (2 bytes) and the precision (1 byte)
        jpg[sof + 5] = (byte) 0xFF;
        jpg[sof + 6] = (byte) 0xFF;
        jpg[sof + 7] = (byte) 0xFF;
        jpg[sof + 8] = (byte) 0xFF;
        assertMentions(failure(jpg), "65535x65535", "exceeds the limit of 100000000 pixels");
    }

    @Test
    void hugeDeclaredPngIsRefusedBeforeAllocating() {
        assertMentions(failure(pngHeaderOnly(200_000, 100_000)), "200000x100000", "exceeds the limit");
    }

    @Test
    void pixelLimitIsConfigurable() {
        byte[] jpg = OracleFiles.bytes(OracleFiles.IMAGES.resolve("china.jpg"));
        ImageDecoder small = new ImageDecoder(640 * 427 - 1);
        assertMentions(failure(small, jpg), "640x427", "exceeds the limit of 273279 pixels");
        byte[] png = OracleFiles.bytes(OracleFiles.IMAGES.resolve("chelsea.png"));
        assertMentions(failure(new ImageDecoder(451 * 300 - 1), png), "451x300", "exceeds the limit of 135299 pixels");
        assertEquals(640, new ImageDecoder(640 * 427).decode(jpg).width());
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
    }

    private static int indexOfMarker(byte[] data, int marker) {
        for (int i = 2; i + 1 < data.length; i++) {
            if ((data[i] & 0xFF) == 0xFF && (data[i + 1] & 0xFF) == marker) return i;
        }
        throw new AssertionError("marker not found");
    }

    /** A PNG signature plus a valid IHDR declaring the given size, and nothing else. */
    private static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(4 + 13);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        out.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
        out.writeBytes(ihdr.array());
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }
}
