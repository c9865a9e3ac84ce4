package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreprocessedImageTest {
    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    /** Each distinct input goes through the pass once; a repeated one gets a copy of its first result, in order. */
    @Test
    void encodeEachRunsThePassOncePerDistinctInput() {
        float[] a = filled(1f), b = filled(2f), c = filled(3f);
        // tiles a, b, a, c; overview b
        PreprocessedImage image = new PreprocessedImage(2, 2, 2, List.of(a, b, a.clone(), c), b.clone());
        List<float[]> seen = new ArrayList<>();
        List<float[]> out = image.encodeEach(x -> {
            seen.add(x);
            return new float[] {x[0] * 10, seen.size()};
        });
        assertEquals(List.of(a, b, c), seen, "one pass for each of a, b, c, in order");
        float[][] expected = {{10, 1}, {20, 2}, {10, 1}, {30, 3}, {20, 2}};
        assertEquals(expected.length, out.size());
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], out.get(i), "input " + i);
        assertNotSame(out.get(0), out.get(2), "a repeated input gets its own copy");
    }

    /**
     * A single-tile image's overview is its tile pixel for pixel, so such an image costs one
     * encoder pass; with two or more tiles the overview is a real downscale and is encoded.
     */
    @ParameterizedTest(name = "{0}x{1}, longest edge {2}")
    @CsvSource({"512, 512, 512, 1", "640, 480, 512, 1", "37, 300, 512, 1", "1024, 768, 512, 1", "513, 100, 512, 1",
            "640, 480, 1024, 5", "300, 700, 1024, 3"})
    void aSingleTileImageNeedsOneEncoderPass(int width, int height, int longestEdge, int passes) {
        byte[] rgb = new byte[width * height * 3];
        new Random(width * 31 + height).nextBytes(rgb);
        PreprocessedImage image = new Idefics3Preprocessor(512, longestEdge, HALF, HALF).preprocess(new RgbImage(width, height, rgb));
        int[] count = {0};
        image.encodeEach(x -> {
            count[0]++;
            return x;
        });
        assertEquals(passes, count[0]);
        assertEquals(passes == 1, image.tiles().size() == 1 && Arrays.equals(image.tiles().getFirst(), image.overview()));
    }

    private static float[] filled(float v) {
        float[] x = new float[3 * 2 * 2];
        Arrays.fill(x, v);
        return x;
    }
}
