package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Youtu-VL's dense segmentation answers, written by hand, against masks worked out by hand. */
class SegmentationAnswersTest {

    /** A mask as rows of 0/1, top row first, decoded from its COCO RLE. */
    static String rows(Annotation.Mask m) {
        int[] counts = CocoRle.parse(m.counts());
        byte[] colMajor = new byte[m.width() * m.height()];
        int at = 0;
        for (int i = 0; i < counts.length; i++) {
            for (int k = 0; k < counts[i]; k++) colMajor[at++] = (byte) (i % 2);
        }
        assertEquals(colMajor.length, at, "the RLE covers the mask");
        StringBuilder s = new StringBuilder();
        for (int y = 0; y < m.height(); y++) {
            if (y > 0) s.append('/');
            for (int x = 0; x < m.width(); x++) s.append(colMajor[x * m.height() + y]);
        }
        return s.toString();
    }

    @Test
    void semanticRunsAreRowMajorOverTheOriginalImageOneMaskPerClass() {
        // 4x3 image: pixels 0..4 (row 0 and the first of row 1) are cat, 5..11 dog.
        var r = SegmentationAnswers.masks("<ref>cat</ref><ref>dog</ref><mask>(0,5)(1,7)</mask>", 4, 3);
        assertNull(r.problem());
        assertEquals(List.of("cat", "dog"), r.masks().stream().map(Annotation.Mask::label).toList());
        assertEquals("1111/1000/0000", rows(r.masks().get(0)));
        assertEquals("0000/0111/1111", rows(r.masks().get(1)));
        // COCO's column-major runs of the cat mask, by hand: columns 110 100 100 100.
        assertArrayEquals(new int[] {0, 2, 1, 1, 2, 1, 2, 1, 2}, CocoRle.parse(r.masks().get(0).counts()));
        assertEquals(3, r.masks().get(0).height());
        assertEquals(4, r.masks().get(0).width());
    }

    @Test
    void coreTargetGivesTheSameForegroundMaskWhicheverClassComesFirst() {
        // <FG> first: the demo flips v to |v - 1|, so value 0 is the foreground: the lower half of a 3x4 image.
        var fgFirst = SegmentationAnswers.masks("<ref><FG></ref><ref><BG></ref><mask>(1,6)(0,6)</mask>", 3, 4);
        var bgFirst = SegmentationAnswers.masks("<ref><BG></ref><ref><FG></ref><mask>(0,6)(1,6)</mask>", 3, 4);
        for (var r : List.of(fgFirst, bgFirst)) {
            assertNull(r.problem());
            assertEquals(1, r.masks().size(), "the background gets no mask");
            assertEquals(SegmentationAnswers.FOREGROUND, r.masks().get(0).label());
            assertEquals("000/000/111/111", rows(r.masks().get(0)));
        }
    }

    @Test
    void spacesInsidePairsAndClassesNamedTwice() {
        var r = SegmentationAnswers.masks("<ref>tree</ref><ref>sky</ref><ref>tree</ref><mask>( 0 , 1 )(1,2)( 2,1)</mask>", 2, 2);
        assertNull(r.problem());
        assertEquals(List.of("tree", "sky"), r.masks().stream().map(Annotation.Mask::label).toList());
        assertEquals("10/01", rows(r.masks().get(0)), "both tree classes in one mask");
        assertEquals("01/10", rows(r.masks().get(1)));
    }

    @Test
    void aCutOffMaskKeepsItsRunsAndSaysSo() {
        var r = SegmentationAnswers.masks("<ref>cat</ref><ref>dog</ref><mask>(1,3)(0,", 2, 2);
        assertEquals(List.of("dog"), r.masks().stream().map(Annotation.Mask::label).toList());
        assertEquals("11/10", rows(r.masks().get(0)));
        assertEquals("the mask's runs cover 3 of the 4 cells of the 2x2 image (the rest left unassigned) (the answer ends inside the mask)",
                r.problem());
    }

    @Test
    void runsNamingNoClassAndRunsPastTheEnd() {
        var r = SegmentationAnswers.masks("<ref>cat</ref><mask>(0,2)(3,2)(0,99999999999999)</mask>", 2, 2);
        assertEquals("11/00", rows(r.masks().get(0)), "the unnamed run's pixels are in no mask; the run past the end is dropped");
        assertEquals("1 of 3 runs name no class (the answer names 1; their pixels are in no mask); "
                + "the mask's runs cover 100000000000003 of the 4 cells of the 2x2 image (runs past the end dropped)", r.problem());
    }

    @Test
    void anAnswerWithoutAMask() {
        var r = SegmentationAnswers.masks("<ref>cat</ref> I cannot segment this.", 2, 2);
        assertEquals(List.of(), r.masks());
        assertEquals("no <mask> in the answer", r.problem());
        assertEquals("no <mask> in the answer", SegmentationAnswers.masks(null, 2, 2).problem());
    }

    @Test
    void onlyTheRefsBeforeTheMaskNameClasses() {
        var r = SegmentationAnswers.masks("<ref>cat</ref><mask>(0,1)(1,1)</mask><ref>dog</ref>", 2, 1);
        assertEquals("1 of 2 runs name no class (the answer names 1; their pixels are in no mask)", r.problem());
        assertEquals("10", rows(r.masks().get(0)));
    }
}
