package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Confidence from token log-probabilities, against values worked out by hand. */
class TokenScoresTest {
    /**
     * Five tokens: "ab" (text ends at 2), "c" (3), the first byte of a two-byte character (no
     * text yet: 3), its second byte with "d" (5: the character and d), then end-of-generation.
     */
    static final TokenScores SCORES = new TokenScores(new float[] {-0.1f, -2.0f, -0.7f, -0.5f, -3.0f}, new int[] {2, 3, 3, 5, 5}, 4);

    @Test
    void answerLevelMeanAndLeastLeaveTheEndTokenOut() {
        assertEquals((-0.1f - 2.0f - 0.7f - 0.5f) / 4, SCORES.meanLogprob(), 1e-6);
        assertEquals(-2.0f, SCORES.minLogprob());
        assertNull(TokenScores.NONE.meanLogprob());
        assertNull(TokenScores.NONE.span(0, 5));
    }

    @Test
    void spansAreScoredByTheTokensThatWroteThem() {
        assertEquals(Math.exp(-2.0), SCORES.span(2, 3), 1e-6, "c alone");
        assertEquals(Math.exp((-0.1 - 2.0) / 2), SCORES.span(1, 3), 1e-6, "b and c");
        // The character at 3 was written by the token that completed it; the byte before it wrote nothing.
        assertEquals(Math.exp(-0.5), SCORES.span(3, 4), 1e-6);
        assertNull(SCORES.span(5, 6), "past the answer");
    }

    /** Boxes carry the score of the tokens that wrote their coordinates, not of the words around them. */
    @Test
    void boxesAreScoredByTheirCoordinates() {
        ImageFrame frame = new ImageFrame(100, 100, 100, 100, 0, 0, 100, 100);
        String youtu = "<ref>cat</ref><box><x_10><y_20><x_30><y_40></box>";
        // Tokens: <ref> cat </ref> <box> <x_10> <y_20> <x_30> <y_40> </box>
        int[] ends = {5, 8, 14, 19, 25, 31, 37, 43, 49};
        float[] lp = {-1, -1, -1, -1, -0.2f, -0.4f, -0.6f, -0.8f, -1};
        List<Annotation.Box> boxes = CoordinateTokenBoxes.parse(youtu, frame, new TokenScores(lp, ends, 9));
        assertEquals(Math.exp(-0.5), boxes.getFirst().score(), 1e-6);

        String qwen = "[{\"bbox_2d\": [100, 200, 300, 400], \"label\": \"cat\"}]";
        int numbersStart = qwen.indexOf("100"), numbersEnd = qwen.indexOf("400") + 3;
        // One token before the numbers, one for them all, one after.
        TokenScores s = new TokenScores(new float[] {-3, -0.25f, -3}, new int[] {numbersStart, numbersEnd, qwen.length()}, 3);
        assertEquals(Math.exp(-0.25), RelativeBoxes.parse(qwen, frame, s).getFirst().score(), 1e-6);
        assertNull(RelativeBoxes.parse(qwen, frame).getFirst().score());
    }
}
