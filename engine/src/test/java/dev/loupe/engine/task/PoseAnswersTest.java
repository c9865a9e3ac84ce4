package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Youtu-VL pose answers with hand-computed pixels: the image is 100 x 50, seen as 128 x 64, so
 * x and y both scale by 100/128 = 50/64 = 0.78125.
 */
class PoseAnswersTest {
    private static final ImageFrame FRAME = new ImageFrame(100, 50, 128, 64, 0, 0, 128, 64);

    /** A person's 16 keypoints: joint i at (2i, i), visibility 1 for even joints, 0 for odd ones. */
    private static String person(String box, boolean oneBlockEach) {
        StringBuilder s = new StringBuilder("<person>" + box);
        if (!oneBlockEach) s.append("<kpt>");
        for (int i = 0; i < 16; i++) {
            if (oneBlockEach) s.append("<kpt>");
            s.append("<x_").append(2 * i).append("><y_").append(i).append("><v_").append(i % 2 == 0 ? 1 : 0).append(">");
            if (oneBlockEach) s.append("</kpt>");
        }
        if (!oneBlockEach) s.append("</kpt>");
        return s.append("</person>").toString();
    }

    @Test
    void twoPersonsWithSixteenKeypointsEach() {
        String answer = person("<box><x_0><y_0><x_64><y_32></box>", true) + person("<box><x_128><y_64><x_64><y_32></box>", false);
        List<Annotation.Person> persons = PoseAnswers.parse(answer, FRAME);
        assertEquals(2, persons.size());
        Annotation.Person p = persons.get(0);
        assertEquals(List.of(0f, 0f, 50f, 25f), List.of(p.x0(), p.y0(), p.x1(), p.y1()));
        assertEquals(16, p.points().size());
        assertEquals(new Annotation.Keypoint("right_ankle", 0f, 0f, 1f), p.points().get(0));
        // Joint 15: (30, 15) in resized pixels -> (23.4375, 11.71875).
        assertEquals(new Annotation.Keypoint("left_wrist", 23.4375f, 11.71875f, 0f), p.points().get(15));
        // Corners given bottom-right first come out ordered; one <kpt> block holding all 16 reads the same.
        Annotation.Person q = persons.get(1);
        assertEquals(List.of(50f, 25f, 100f, 50f), List.of(q.x0(), q.y0(), q.x1(), q.y1()));
        assertEquals(p.points(), q.points());
        assertNull(PoseAnswers.problem(answer));
    }

    @Test
    void keypointsWithoutVisibilityAndProblems() {
        String noVisibility = "<person><box><x_0><y_0><x_8><y_8></box><kpt><x_4><y_4></kpt></person>";
        Annotation.Person p = PoseAnswers.parse(noVisibility, FRAME).get(0);
        assertEquals(new Annotation.Keypoint("right_ankle", 3.125f, 3.125f, null), p.points().get(0));
        assertEquals("1 of 1 persons is not with 16 keypoints", PoseAnswers.problem(noVisibility));
        assertEquals("no <person> in the answer", PoseAnswers.problem("nobody here"));
        String truncated = "<person><box><x_0><y_0><x_8>";
        assertTrue(PoseAnswers.parse(truncated, FRAME).isEmpty());
        assertEquals("1 of 1 persons is not with a whole box (skipped) (the answer ends inside one)", PoseAnswers.problem(truncated));
    }
}
