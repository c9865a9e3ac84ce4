package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Youtu-VL referring-segmentation answers, with original-image pixels worked out by hand. The
 * image is 20 x 15 and the encoder saw it as 32 x 32: x scales by 20/32, y by 15/32, rounded half
 * to even as the Hugging Face code rewrites coordinate tokens.
 */
class CoordinateTokenPolygonsTest {
    private static final ImageFrame FRAME = new ImageFrame(20, 15, 32, 32, 0, 0, 32, 32);

    @Test
    void verticesMapToOriginalPixelsRoundedHalfToEven() {
        // x 16 -> 10 exactly; x 4 -> 2.5 -> 2 (even); x 12 -> 7.5 -> 8 (even); y 16 -> 7.5 -> 8; y 32 -> 15 -> clamped to 14.
        List<int[][]> polygons = CoordinateTokenPolygons.parse("<ins><poly><x_16><y_0><x_4><y_16><x_12><y_32></poly></ins>", FRAME);
        assertEquals(1, polygons.size());
        assertArrayEquals(new int[][] {{10, 0}, {2, 8}, {8, 14}}, polygons.get(0));
    }

    @Test
    void aRectangleBecomesItsMask() {
        // x 0..10 -> 0..6 (6.25), y 0..10 -> 0..5 (4.6875): the filled rectangle [0,6] x [0,5], 7 x 6 pixels.
        Annotation.Mask m = CoordinateTokenPolygons.mask("<ins><poly><x_0><y_0><x_10><y_0><x_10><y_10><x_0><y_10></poly></ins>",
                FRAME, "the box");
        assertEquals("the box", m.label());
        assertEquals(15, m.height());
        assertEquals(20, m.width());
        byte[] pixels = CocoRle.decode(m.counts(), 20, 15);
        int set = 0;
        for (int y = 0; y < 15; y++) {
            for (int x = 0; x < 20; x++) {
                boolean inside = x <= 6 && y <= 5;
                assertEquals(inside ? 1 : 0, pixels[y * 20 + x], "pixel " + x + "," + y);
                set += pixels[y * 20 + x];
            }
        }
        assertEquals(42, set);
    }

    @Test
    void severalPolygonsFillOneMaskAndAnInsWithoutPolyIsOnePolygon() {
        String answer = "<ins><poly><x_0><y_0><x_2><y_0><x_2><y_2></poly><poly><x_30><y_30><x_31><y_30><x_31><y_31></poly></ins>"
                + " and <ins><x_16><y_16><x_17><y_16><x_17><y_17></ins>";
        assertEquals(3, CoordinateTokenPolygons.parse(answer, FRAME).size());
        byte[] pixels = CocoRle.decode(CoordinateTokenPolygons.mask(answer, FRAME, null).counts(), 20, 15);
        assertEquals(1, pixels[0]);
        assertEquals(1, pixels[14 * 20 + 19]);
        assertEquals(1, pixels[8 * 20 + 10]);
    }

    @Test
    void truncatedAndMalformedAnswers() {
        // A truncated answer keeps its whole vertices; an odd token at the end is dropped.
        List<int[][]> truncated = CoordinateTokenPolygons.parse("<ins><poly><x_0><y_0><x_16><y_0><x_16>", FRAME);
        assertEquals(1, truncated.size());
        assertEquals(2, truncated.get(0).length);
        assertTrue(CoordinateTokenPolygons.parse("no polygon here <x_3>", FRAME).isEmpty());
        assertNull(CoordinateTokenPolygons.mask("<ins></ins>", FRAME, "x"));
        assertNull(CoordinateTokenPolygons.mask(null, FRAME, "x"));
    }

    @Test
    void problemsAreNamed() {
        assertEquals(null, CoordinateTokenPolygons.problem("<ins><poly><x_1><y_1><x_5><y_1><x_5><y_5></poly></ins>"));
        assertEquals("no <ins> or <poly> polygon in the answer", CoordinateTokenPolygons.problem("<ins></ins> nothing"));
        assertEquals("1 of 1 polygons is not of 3 vertices or more (the answer ends inside one)",
                CoordinateTokenPolygons.problem("<ins><poly><x_1><y_1><x_5>"));
    }
}
