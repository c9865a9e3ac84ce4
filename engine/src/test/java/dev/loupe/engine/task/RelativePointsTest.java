package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pointing answers in Qwen3-VL's format, as models really write them, to points in original-image pixels; values by hand. */
class RelativePointsTest {
    static void assertPoint(Annotation.Point p, String label, float x, float y) {
        assertEquals(label, p.label());
        assertEquals(x, p.x(), 1e-3f, "x");
        assertEquals(y, p.y(), 1e-3f, "y");
    }

    @Test
    void aFencedListOfLabelledPoints() {
        String answer = "```json\n[\n\t{\"point_2d\": [250, 500], \"label\": \"apple\"},\n\t{\"point_2d\": [750, 100], \"label\": \"apple\"}\n]\n```";
        List<Annotation.Point> points = RelativePoints.parse(answer, RelativeBoxesTest.PLAIN);
        assertEquals(2, points.size());
        assertPoint(points.get(0), "apple", 50, 50); // 0.25 of 200, 0.5 of 100
        assertPoint(points.get(1), "apple", 150, 10);
        assertNull(RelativePoints.problem(answer));
    }

    @Test
    void proseAroundTheJsonAndALabelBeforeThePoint() {
        String answer = "Sure! Here is the point: {\"label\": \"the red cup\", \"point_2d\": [ 100 , 900 ]}. Let me know if you need more.";
        List<Annotation.Point> points = RelativePoints.parse(answer, RelativeBoxesTest.PLAIN);
        assertEquals(1, points.size());
        assertPoint(points.get(0), "the red cup", 20, 90);
        assertNull(RelativePoints.problem(answer));
    }

    @Test
    void theLetterboxIsTakenOutAndPointsClampedToTheImage() {
        // Canvas centre = image centre; y = 1000 is the canvas's bottom edge, in the letterbox's border below the image.
        List<Annotation.Point> points = RelativePoints.parse("[{\"point_2d\": [500, 500]}, {\"point_2d\": [1000, 1000]}]", RelativeBoxesTest.LETTERBOXED);
        assertPoint(points.get(0), null, 48, 32);
        assertPoint(points.get(1), null, 96, 64);
    }

    /** A model looping repeats entries: each distinct (label, point) is kept once, in first-seen order. */
    @Test
    void repeatedEntriesAreDroppedButTheSamePointWithAnotherLabelIsKept() {
        String answer = "[{\"point_2d\": [100, 100], \"label\": \"cat\"}, {\"point_2d\": [100, 100], \"label\": \"cat\"}, "
                + "{\"point_2d\": [100, 100], \"label\": \"dog\"}, {\"point_2d\": [100, 100], \"label\": \"cat\"}]";
        List<Annotation.Point> points = RelativePoints.parse(answer, RelativeBoxesTest.PLAIN);
        assertEquals(2, points.size());
        assertPoint(points.get(0), "cat", 20, 10);
        assertPoint(points.get(1), "dog", 20, 10);
        assertNull(RelativePoints.problem(answer), "repeats parsed: nothing is unparsed");
    }

    /** The token limit cuts the list inside an entry: the whole ones are kept, the cut one is named. */
    @Test
    void aListCutOffByTheTokenLimit() {
        String answer = "```json\n[\n  {\"point_2d\": [10, 20], \"label\": \"bird\"},\n  {\"point_2d\": [30, 4";
        List<Annotation.Point> points = RelativePoints.parse(answer, RelativeBoxesTest.PLAIN);
        assertEquals(1, points.size());
        assertPoint(points.get(0), "bird", 2, 2);
        assertEquals("1 of 2 \"point_2d\" entries is not two numbers (the answer ends inside one)", RelativePoints.problem(answer));
    }

    @Test
    void malformedEntriesAndAnswersWithoutPointsAreNamed() {
        String answer = "[{\"point_2d\": [10, \"left\"]}, {\"point_2d\": [10, 20, 30]}, {\"point_2d\": [500, 500]}]";
        assertEquals(1, RelativePoints.parse(answer, RelativeBoxesTest.PLAIN).size());
        assertEquals("2 of 3 \"point_2d\" entries are not two numbers", RelativePoints.problem(answer));
        assertEquals(List.of(), RelativePoints.parse("I cannot see any apples.", RelativeBoxesTest.PLAIN));
        assertEquals("no \"point_2d\" in the answer", RelativePoints.problem("I cannot see any apples."));
        // A box answer to a point question is not read as points.
        assertEquals("no \"point_2d\" in the answer", RelativePoints.problem("[{\"bbox_2d\": [1, 2, 3, 4]}]"));
        assertEquals("no answer", RelativePoints.problem(null));
        assertEquals(List.of(), RelativePoints.parse(null, RelativeBoxesTest.PLAIN));
    }
}
