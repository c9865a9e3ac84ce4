package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class LetterboxTest {

    @Test
    void fittedSizeRoundsUpInFloat32() {
        // The spec's example: 1000x600 into 2048x1536 -> scale 2.048, 1228.8 rounds up to 1229.
        assertArrayEquals(new int[] {2048, 1229}, Letterbox.fittedSize(1000, 600, 2048, 1536));
        // Never beyond the target even when float rounding overshoots.
        assertArrayEquals(new int[] {128, 128}, Letterbox.fittedSize(3, 3, 128, 128));
        assertArrayEquals(new int[] {32, 256}, Letterbox.fittedSize(37, 300, 256, 256));
    }

    @Test
    void contentIsCentredOnBlack() {
        // A 4x1 white strip into 4x4: scale min(1, 4) = 1, pasted at y = (4 - 1) / 2 = 1.
        byte[] white = new byte[3 * 4];
        java.util.Arrays.fill(white, (byte) 255);
        RgbImage out = Letterbox.apply(new RgbImage(4, 1, white), 4, 4, ResizeFilter.BICUBIC);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int expected = y == 1 ? 255 : 0;
                assertEquals(expected, out.sample(x, y, 0), "pixel " + x + "," + y);
                assertEquals(expected, out.sample(x, y, 2), "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void oddMarginsPutTheExtraPixelAfterTheContent() {
        // 2x2 into 5x2: content stays 2x2, offset (5 - 2) / 2 = 1: columns 0, 3, 4 black.
        byte[] grey = new byte[3 * 4];
        java.util.Arrays.fill(grey, (byte) 9);
        RgbImage out = Letterbox.apply(new RgbImage(2, 2, grey), 5, 2, ResizeFilter.BILINEAR);
        int[] expectedRow = {0, 9, 9, 0, 0};
        for (int x = 0; x < 5; x++) assertEquals(expectedRow[x], out.sample(x, 1, 1));
    }

    @Test
    void sameSizeIsTheSameImage() {
        RgbImage img = RgbImage.black(3, 2);
        assertSame(img, Letterbox.apply(img, 3, 2, ResizeFilter.LANCZOS));
    }
}
