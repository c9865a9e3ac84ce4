package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Small cases worked out by hand from Pillow's definitions (weights in double, normalised,
 * 22-bit fixed point, +0.5 bias, clip). The LANCZOS path is covered at scale by the oracle
 * test, where all six images match llama.cpp exactly.
 */
class PillowResamplerTest {

    /** A width x 1 image whose three channels all hold {@code values}. */
    private static RgbImage row(int... values) {
        byte[] rgb = new byte[3 * values.length];
        for (int i = 0; i < values.length; i++) {
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte) values[i];
        }
        return new RgbImage(values.length, 1, rgb);
    }

    private static int[] channel(RgbImage img, int c) {
        int[] out = new int[img.width() * img.height()];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) out[y * img.width() + x] = img.sample(x, y, c);
        }
        return out;
    }

    @Test
    void bilinearHalvingAveragesAndRoundsHalfUp() {
        // 2 -> 1: scale 2 widens the triangle to 2 pixels; both inputs weigh 0.75, 0.5 after
        // normalisation; (10 + 21) / 2 = 15.5 rounds to 16
        assertArrayEquals(new int[] {16}, channel(PillowResampler.resize(row(10, 21), 1, 1, ResizeFilter.BILINEAR), 0));
        // 4 -> 2: out 0 has center 1.0 and reads inputs 0..2 with 0.75, 0.75, 0.25:
        // (7.5 + 15.75 + 50) / 1.75 = 41.86 -> 42; out 1 reads 1..3 with 0.25, 0.75, 0.75 -> 131.57 -> 132
        assertArrayEquals(new int[] {42, 132}, channel(PillowResampler.resize(row(10, 21, 200, 100), 2, 1, ResizeFilter.BILINEAR), 0));
    }

    @Test
    void bicubicDoublingUsesPillowsAMinusHalf() {
        // out 0: weights bicubic(0.25) = 0.8671875, bicubic(1.25) = -0.0703125, normalised 1.0882, -0.0882
        //        -> 100 * 1.0882 - 200 * 0.0882 = 91.18
        // out 1: bicubic(-0.25), bicubic(0.75) = 0.2265625 -> 0.7929, 0.2071 -> 120.71; outs 2, 3 mirror
        RgbImage out = PillowResampler.resize(row(100, 200), 4, 1, ResizeFilter.BICUBIC);
        assertArrayEquals(new int[] {91, 121, 179, 209}, channel(out, 1));
    }

    @Test
    void overshootIsClippedTo8Bits() {
        // same weights on 0 and 255: -22.5 -> 0, 52.8 -> 53, 202.2 -> 202, 277.5 -> 255
        RgbImage out = PillowResampler.resize(row(0, 255), 4, 1, ResizeFilter.BICUBIC);
        assertArrayEquals(new int[] {0, 53, 202, 255}, channel(out, 2));
    }

    @Test
    void verticalPassAloneWhenOnlyHeightChanges() {
        RgbImage column = new RgbImage(1, 2, new byte[] {10, 0, (byte) 255, 21, 0, (byte) 255});
        RgbImage out = PillowResampler.resize(column, 1, 1, ResizeFilter.BILINEAR);
        assertEquals(1, out.width());
        assertEquals(1, out.height());
        assertArrayEquals(new byte[] {16, 0, (byte) 255}, out.rgb());
    }

    @Test
    void channelsStayIndependent() {
        RgbImage img = new RgbImage(2, 1, new byte[] {0, 100, (byte) 200, 10, 110, (byte) 210});
        RgbImage out = PillowResampler.resize(img, 1, 1, ResizeFilter.BILINEAR);
        assertArrayEquals(new byte[] {5, 105, (byte) 205}, out.rgb());
    }

    @Test
    void singlePixelUpscalesToAConstantWithEveryFilter() {
        for (ResizeFilter f : ResizeFilter.values()) {
            RgbImage out = PillowResampler.resize(new RgbImage(1, 1, new byte[] {7, (byte) 128, (byte) 250}), 5, 3, f);
            for (int i = 0; i < out.rgb().length; i += 3) {
                assertArrayEquals(new byte[] {7, (byte) 128, (byte) 250}, java.util.Arrays.copyOfRange(out.rgb(), i, i + 3), f.name());
            }
        }
    }

    @Test
    void lanczosKeepsAFlatImageFlatWhenDownscaling() {
        byte[] flat = new byte[3 * 31 * 17];
        java.util.Arrays.fill(flat, (byte) 77);
        RgbImage out = PillowResampler.resize(new RgbImage(31, 17, flat), 10, 4, ResizeFilter.LANCZOS);
        for (byte b : out.rgb()) assertEquals(77, b & 0xFF);
    }

    @Test
    void sameSizeIsTheSameImage() {
        RgbImage img = row(1, 2, 3);
        assertSame(img, PillowResampler.resize(img, 3, 1, ResizeFilter.LANCZOS));
    }

    @Test
    void targetSizeIsValidated() {
        RgbImage img = row(1, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> PillowResampler.resize(img, 0, 1, ResizeFilter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowResampler.resize(img, 65537, 1, ResizeFilter.BICUBIC));
    }

    @Test
    void weightsFollowPillowsWindowAndNormalisation() {
        ResampleWeights w = ResampleWeights.compute(2, 4, ResizeFilter.BICUBIC);
        assertEquals(5, w.taps); // ceil(2) * 2 + 1
        assertEquals(0, w.start[0]);
        assertEquals(2, w.count[0]);
        // 1.0882352941 * 2^22 rounded half away from zero, and its negative partner
        assertEquals(4564390, w.weights[0]);
        assertEquals(-370086, w.weights[1]);
        assertEquals(1 << 22, w.weights[0] + w.weights[1]);
    }
}
