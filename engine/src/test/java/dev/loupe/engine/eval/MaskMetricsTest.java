package dev.loupe.engine.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loupe.engine.task.CocoRle;
import org.junit.jupiter.api.Test;

/** Mask overlaps on run lengths and the RES aggregates (gIoU, cIoU), against hand counts on small masks. */
class MaskMetricsTest {
    /** Row-major 3 x 4 masks (height 3, width 4) as COCO runs. */
    private static int[] mask(String... rows) {
        int h = rows.length, w = rows[0].length();
        byte[] m = new byte[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) m[y * w + x] = (byte) (rows[y].charAt(x) == '#' ? 1 : 0);
        return CocoRle.counts(m, w, h);
    }

    private static final int[] TRUTH = mask("##..", "##..", "....");       // 4 pixels
    private static final int[] SHIFTED = mask(".##.", ".##.", ".##.");     // 6 pixels, 2 shared
    private static final int[] EMPTY = mask("....", "....", "....");

    @Test
    void overlapCountsSharedAndCoveredPixels() {
        MaskOverlap o = RleMasks.overlap(TRUTH, SHIFTED);
        assertEquals(new MaskOverlap(2, 8), o);
        assertEquals(0.25, o.iou());
        assertEquals(new MaskOverlap(4, 4), RleMasks.overlap(TRUTH, TRUTH));
        assertEquals(4, RleMasks.area(TRUTH));
    }

    @Test
    void emptyMasks() {
        assertEquals(new MaskOverlap(0, 4), RleMasks.overlap(TRUTH, EMPTY), "an empty prediction: IoU 0");
        assertEquals(0, RleMasks.overlap(TRUTH, EMPTY).iou());
        assertEquals(new MaskOverlap(0, 0), RleMasks.overlap(EMPTY, EMPTY));
        assertEquals(1.0, RleMasks.overlap(EMPTY, EMPTY).iou(), "nothing to find and nothing found: LISA's no-object rule");
        assertArrayEquals(new int[] {12}, EMPTY);
    }

    @Test
    void masksOfDifferentSizesAreRefused() {
        int[] bigger = mask("#....", "#....", "#....");
        assertThrows(IllegalArgumentException.class, () -> RleMasks.overlap(TRUTH, bigger));
    }

    @Test
    void gIouIsTheMeanOfSampleIousAndCIouIsTotalIntersectionOverTotalUnion() {
        MaskTotals t = new MaskTotals();
        t.add(MaskResult.scored(TRUTH, SHIFTED));                   // 2 / 8
        t.add(MaskResult.scored(TRUTH, TRUTH));                     // 4 / 4
        t.add(MaskResult.scored(TRUTH, EMPTY));                     // 0 / 4: an empty mask is a mask
        t.add(MaskResult.miss(Outcome.UNPARSED, TRUTH, "no <poly>")); // 0 / 4, IoU 0
        t.add(MaskResult.miss(Outcome.BAD_TRUTH, null, "bad polygon"));
        assertEquals(4, t.samples());
        assertEquals((0.25 + 1 + 0 + 0) / 4, t.gIou(), 1e-15);
        assertEquals(6.0 / 20, t.cIou(), 1e-15);
        assertEquals(6, t.intersection());
        assertEquals(20, t.union());
        assertEquals(1, t.count(Outcome.UNPARSED));
        assertEquals(1, t.count(Outcome.BAD_TRUTH));
        assertEquals(3, t.count(Outcome.SCORED));
    }

    @Test
    void withoutSamplesTheMetricsAreZero() {
        MaskTotals t = new MaskTotals();
        assertEquals(0, t.gIou());
        assertEquals(0, t.cIou());
    }
}
