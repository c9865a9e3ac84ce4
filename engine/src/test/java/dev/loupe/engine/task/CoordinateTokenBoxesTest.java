package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Youtu-VL answers as its demo parses them, with pixels computed by hand. The image is 640 x 427
 * and the encoder saw it stretched to 640 x 448 (llama.cpp's size for it): x is unchanged, y is
 * scaled by 427 / 448.
 */
class CoordinateTokenBoxesTest {
    private static final ImageFrame STRETCHED = new ImageFrame(640, 427, 640, 448, 0, 0, 640, 448);

    @Test
    void oneGroundedBox() {
        List<Annotation.Box> boxes = CoordinateTokenBoxes.parse("<box><x_100><y_224><x_300><y_448></box>", STRETCHED);
        assertEquals(List.of(new Annotation.Box(null, 100f, 213.5f, 300f, 427f, null)), boxes);
    }

    @Test
    void detectionWithSeveralRefsAndSeveralBoxesPerRef() {
        String answer = "<ref>dog</ref><box><x_0><y_0><x_64><y_112></box><box><x_320><y_448><x_640><y_224></box>"
                + "<ref> cat </ref><box><x_10><y_20><x_30><y_40></box>";
        List<Annotation.Box> boxes = CoordinateTokenBoxes.parse(answer, STRETCHED);
        assertEquals(3, boxes.size());
        assertEquals(new Annotation.Box("dog", 0f, 0f, 64f, 106.75f, null), boxes.get(0));
        // Corners given bottom-left first come out ordered.
        assertEquals(new Annotation.Box("dog", 320f, 213.5f, 640f, 427f, null), boxes.get(1));
        assertEquals("cat", boxes.get(2).label());
        assertEquals(40f * 427 / 448, boxes.get(2).y1(), 1e-4f);
    }

    @Test
    void coordinatesBeyondTheImageAreClampedToIt() {
        List<Annotation.Box> boxes = CoordinateTokenBoxes.parse("<box><x_600><y_400><x_2047><y_2047></box>", STRETCHED);
        assertEquals(new Annotation.Box(null, 600f, 400f * 427 / 448, 640f, 427f, null), boxes.get(0));
    }

    @Test
    void malformedAndTruncatedBoxesAreSkipped() {
        assertTrue(CoordinateTokenBoxes.parse("<box><x_1><y_2><x_3></box> <box><x_1><y_2><x_3><y_4>", STRETCHED).isEmpty());
        assertTrue(CoordinateTokenBoxes.parse("no box here", STRETCHED).isEmpty());
        assertTrue(CoordinateTokenBoxes.parse(null, STRETCHED).isEmpty());
        assertEquals(1, CoordinateTokenBoxes.parse("<box><x_1><y_2></box><box><x_1><y_2><x_3><y_4></box>", STRETCHED).size());
    }

    /** parse_error says what did not parse; the well-formed boxes still come back. */
    @Test
    void problemsAreNamed() {
        assertEquals(null, CoordinateTokenBoxes.problem("<ref>a</ref><box><x_1><y_2><x_3><y_4></box>"));
        assertEquals("no <box> in the answer", CoordinateTokenBoxes.problem("a cat"));
        assertEquals("1 of 2 <box> entries is not four coordinate tokens",
                CoordinateTokenBoxes.problem("<box><x_1><y_2></box><box><x_1><y_2><x_3><y_4></box>"));
        assertEquals("1 of 2 <box> entries is not four coordinate tokens (the answer ends inside one)",
                CoordinateTokenBoxes.problem("<box><x_1><y_2><x_3><y_4></box><box><x_1><y_2>"));
    }
}
