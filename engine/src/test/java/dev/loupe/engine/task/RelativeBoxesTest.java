package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Grounding answers in Qwen3-VL's format to boxes in original-image pixels; every value computed by hand. */
class RelativeBoxesTest {
    /** A 200x100 image the model saw as it is (no letterbox). */
    static final ImageFrame PLAIN = new ImageFrame(200, 100, 200, 100, 0, 0, 200, 100);
    /** The oracle's 96x64 image in its 128x96 canvas: scaled by 4/3 to 128x86 (ceil), 5 rows of black above. */
    static final ImageFrame LETTERBOXED = new ImageFrame(96, 64, 128, 96, 0, 5, 128, 86);

    static void assertBox(Annotation.Box b, String label, float x0, float y0, float x1, float y1) {
        assertEquals(label, b.label());
        assertEquals(x0, b.x0(), 1e-3f, "x0");
        assertEquals(y0, b.y0(), 1e-3f, "y0");
        assertEquals(x1, b.x1(), 1e-3f, "x1");
        assertEquals(y1, b.y1(), 1e-3f, "y1");
        assertNull(b.score());
    }

    @Test
    void aFencedJsonAnswer() {
        String answer = "```json\n[\n  {\"bbox_2d\": [100, 200, 500, 800], \"label\": \"the dog\"}\n]\n```";
        List<Annotation.Box> boxes = RelativeBoxes.parse(answer, PLAIN);
        assertEquals(1, boxes.size());
        assertBox(boxes.get(0), "the dog", 20, 20, 100, 80); // thousandths of 200 x 100
    }

    @Test
    void severalBoxesSwappedCornersAndProseAround() {
        String answer = "There are two: [{\"label\": \"cat \\\"A\\\"\", \"bbox_2d\": [900, 50, 600, 10]}, {\"bbox_2d\":[0,0,1000,1000]}] done.";
        List<Annotation.Box> boxes = RelativeBoxes.parse(answer, PLAIN);
        assertEquals(2, boxes.size());
        assertBox(boxes.get(0), "cat \"A\"", 120, 1, 180, 5);
        assertBox(boxes.get(1), null, 0, 0, 200, 100);
    }

    @Test
    void theLetterboxIsTakenOutAndBoxesClampedToTheImage() {
        // The canvas centre is the image centre; the whole canvas is the whole image (the border clamps away).
        assertBox(RelativeBoxes.parse("{\"bbox_2d\": [500, 500, 500, 500]}", LETTERBOXED).get(0), null, 48, 32, 48, 32);
        assertBox(RelativeBoxes.parse("{\"bbox_2d\": [0, 0, 1000, 1000]}", LETTERBOXED).get(0), null, 0, 0, 96, 64);
    }

    @Test
    void answersWithoutACompleteBoxGiveNone() {
        assertTrue(RelativeBoxes.parse("I cannot see a dog.", PLAIN).isEmpty());
        assertTrue(RelativeBoxes.parse("[{\"bbox_2d\": [10, 20, 30", PLAIN).isEmpty(), "cut off by the token limit");
        assertTrue(RelativeBoxes.parse(null, PLAIN).isEmpty());
    }

    @Test
    void theGroundTaskWrapsItsPromptAndNeedsOne() {
        assertEquals(Task.GROUND, Task.parse("Ground"));
        assertEquals("Locate the dog on the left in this image and output its bbox coordinates in JSON format.",
                Task.GROUND.promptFor(" the dog on the left "));
        assertThrows(IllegalArgumentException.class, () -> Task.GROUND.promptFor(null));
    }

    @Test
    void problemsAreNamed() {
        assertEquals(null, RelativeBoxes.problem("[{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"a\"}]"));
        assertEquals("no \"bbox_2d\" in the answer", RelativeBoxes.problem("I see a dog."));
        assertEquals("1 of 2 \"bbox_2d\" entries is not four numbers (the answer ends inside one)",
                RelativeBoxes.problem("[{\"bbox_2d\": [1, 2, 3, 4]}, {\"bbox_2d\": [5, 6"));
    }
}
