package dev.loupe.job.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loupe.engine.task.CocoRle;
import org.junit.jupiter.api.Test;

/** pycocotools' area and toBbox on masks small enough to draw; runs are column-major, zeros first. */
class MaskMeasuresTest {
    /** A 4 wide, 3 high mask from its run lengths. */
    private static MaskMeasures of(int... runs) {
        return MaskMeasures.of(CocoRle.toString(runs), 3, 4);
    }

    @Test
    void aRunInsideOneColumn() {
        // zeros: column 0 and the top of column 1; ones: rows 1-2 of column 1.
        assertEquals(new MaskMeasures(2, 1, 1, 1, 2), of(4, 2, 6));
    }

    @Test
    void aRunOverAColumnBoundarySpansTheWholeHeight() {
        // ones: the bottom of column 0 and the top of column 1, rows 2 and 0: y from 0 to 2.
        assertEquals(new MaskMeasures(2, 0, 0, 2, 3), of(2, 2, 8));
    }

    @Test
    void separateRunsMakeOneBox() {
        // ones: (x0, y1) and (x3, y2): a box from column 0 to 3, row 1 to 2.
        assertEquals(new MaskMeasures(2, 0, 1, 4, 2), of(1, 1, 9, 1));
    }

    @Test
    void emptyAndFullMasks() {
        assertEquals(new MaskMeasures(0, 0, 0, 0, 0), of(12), "pycocotools gives an empty mask [0, 0, 0, 0]");
        assertEquals(new MaskMeasures(12, 0, 0, 4, 3), of(0, 12));
    }

    @Test
    void runsThatDoNotCoverTheImageAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> of(4, 2, 5));
        assertEquals("its RLE covers 11 pixels, not 4x3", e.getMessage());
    }
}
