package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Youtu-VL's depth answers, written by hand: codes on the original/16 grid. */
class DepthAnswersTest {

    @Test
    void codesFillTheGridOfSixteenPixelCellsRowMajor() {
        // 40x33 px: 40/16 = 2 columns, 33/16 = 2 rows (floor, as the demo reshapes).
        var r = DepthAnswers.parse("<depth><mask>(100,1)(65535,2)(7,1)</mask>", 40, 33);
        assertNull(r.problem());
        assertEquals(2, r.depth().gridWidth());
        assertEquals(2, r.depth().gridHeight());
        assertArrayEquals(new int[] {100, 65535, 65535, 7}, r.depth().codes());
    }

    @Test
    void aCutOffAnswerLeavesTheRestZeroAndSaysSo() {
        var r = DepthAnswers.parse("<depth><mask>(9,4)(12,3)(5", 48, 32); // 3x2 grid, 6 cells; runs give 7, the last pair is cut
        assertArrayEquals(new int[] {9, 9, 9, 9, 12, 12}, r.depth().codes());
        assertEquals("the mask's runs cover 7 of the 6 cells of the 3x2 depth grid (runs past the end dropped) (the answer ends inside the mask)",
                r.problem());
        var shortRuns = DepthAnswers.parse("<depth><mask>(9,2)", 48, 32);
        assertArrayEquals(new int[] {9, 9, 0, 0, 0, 0}, shortRuns.depth().codes());
        assertEquals("the mask's runs cover 2 of the 6 cells of the 3x2 depth grid (the rest left 0) (the answer ends inside the mask)",
                shortRuns.problem());
    }

    @Test
    void codesBeyondSixteenBitsAreClampedAndNamed() {
        var r = DepthAnswers.parse("<depth><mask>(70000,1)(3,0)(1,3)</mask>", 32, 32);
        assertArrayEquals(new int[] {65535, 1, 1, 1}, r.depth().codes(), "an empty run takes no cell");
        assertEquals("1 cells have codes above 65535 (clamped)", r.problem());
    }

    @Test
    void answersThatAreNotDepthMaps() {
        assertEquals("no <mask> in the answer", DepthAnswers.parse("<depth> far away", 32, 32).problem());
        assertNull(DepthAnswers.parse("<depth> far away", 32, 32).depth());
        var tiny = DepthAnswers.parse("<depth><mask>(1,1)</mask>", 15, 40);
        assertNull(tiny.depth());
        assertEquals("the 15x40 image is smaller than one 16x16 depth cell", tiny.problem());
        var untagged = DepthAnswers.parse("<mask>(4,1)</mask>", 16, 16);
        assertArrayEquals(new int[] {4}, untagged.depth().codes());
        assertEquals("no <depth> before the mask (its runs read as depth codes)", untagged.problem());
    }
}
