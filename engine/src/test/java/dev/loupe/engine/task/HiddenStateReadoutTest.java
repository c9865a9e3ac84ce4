package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hidden-state readout on constructed cases whose answer is known by construction: label
 * rows are unit vectors, so a hidden row's score for class c is its c-th value, set so that each
 * image cell must pick a given class.
 */
class HiddenStateReadoutTest {
    static final int WIDTH = 3;
    /** Class c's output row: the unit vector e_c. */
    static final float[] UNIT_LABELS = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    /** The first two classes' rows only. */
    static final float[] TWO_LABELS = java.util.Arrays.copyOf(UNIT_LABELS, 2 * WIDTH);

    static DenseReadout readout(String spec) {
        return DenseReadout.parse(spec);
    }

    /**
     * A 2x2 token grid over a 4x4 image, each token 2x2 pixels. Hidden rows (row 0 is the
     * position before the image) favour classes 0, 1, 2, 0, 1: a shifted readout reads tokens
     * 0..3 at rows 0..3 (classes 0 1 / 2 0), an unshifted one at rows 1..4 (1 2 / 0 1).
     */
    @Test
    void shiftedAndUnshiftedReadTheRowBeforeOrAtEachToken() {
        float[] hidden = rows(new float[][] {{5, 0, 0}, {0, 5, 0}, {0, 0, 5}, {5, 0, 0}, {0, 5, 0}});
        int[] shifted = HiddenStateReadout.labels(hidden, 2, 2, WIDTH, UNIT_LABELS, 3, readout("nearest"), 4, 4);
        assertArrayEquals(new int[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 0, 0, 2, 2, 0, 0}, shifted);
        int[] unshifted = HiddenStateReadout.labels(hidden, 2, 2, WIDTH, UNIT_LABELS, 3, readout("nearest,unshifted"), 4, 4);
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 1, 2, 2, 0, 0, 1, 1, 0, 0, 1, 1}, unshifted);
        // Bilinear on this symmetric case keeps the same blocks (worked out by hand at pixels (1,1), (2,1), (1,2), (2,2)).
        assertArrayEquals(shifted, HiddenStateReadout.labels(hidden, 2, 2, WIDTH, UNIT_LABELS, 3, readout("bilinear"), 4, 4));
    }

    /**
     * Two tokens side by side over an 8x1 image: class 0 scores 4 on the left token, class 1
     * scores 2 on the right. Nearest splits at the tokens' border (4 + 4 pixels); bilinear at
     * half-pixel centres, x -> x/4 - 0.375, moves the border to where 4(1-f) = 2f, f = 2/3: pixel 4
     * (f = 0.625: 1.5 vs 1.25) is still class 0, pixel 5 (f = 0.875: 0.5 vs 1.75) class 1.
     */
    @Test
    void bilinearUpsamplingMovesTheBorderTowardTheWeakerClass() {
        float[] hidden = rows(new float[][] {{4, 0, 0}, {0, 2, 0}, {9, 9, 9}});
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1},
                HiddenStateReadout.labels(hidden, 2, 1, WIDTH, TWO_LABELS, 2, readout("nearest"), 8, 1));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1},
                HiddenStateReadout.labels(hidden, 2, 1, WIDTH, TWO_LABELS, 2, readout("bilinear"), 8, 1));
    }

    /** Softmax always picks a class; sigmoid leaves a pixel unassigned when no class reaches the threshold. */
    @Test
    void sigmoidLeavesPixelsWithoutAConfidentClassUnassigned() {
        // Token 0: classes score -1 and -3 (sigmoid 0.27 and 0.05); token 1: -2 and 1 (sigmoid 0.73 for class 1).
        float[] hidden = rows(new float[][] {{-1, -3, 0}, {-2, 1, 0}, {0, 0, 0}});
        assertArrayEquals(new int[] {0, 1}, HiddenStateReadout.labels(hidden, 2, 1, WIDTH, TWO_LABELS, 2, readout("nearest"), 2, 1));
        assertArrayEquals(new int[] {-1, 1}, HiddenStateReadout.labels(hidden, 2, 1, WIDTH, TWO_LABELS, 2, readout("nearest,sigmoid"), 2, 1));
        // Threshold 0.25 (logit -1.0986): token 0's class 0 (sigmoid 0.27) now passes.
        assertArrayEquals(new int[] {0, 1}, HiddenStateReadout.labels(hidden, 2, 1, WIDTH, TWO_LABELS, 2, readout("nearest,sigmoid:0.25"), 2, 1));
    }

    @Test
    void labelMapsBecomeOneMaskPerNamedClassWithoutTheBackground() {
        int[] labels = {0, 0, 1, 2, -1, 1};
        List<Annotation.Mask> masks = ClassMasks.of(labels, List.of("<BG>", "cat", "dog"), 3, 2);
        assertEquals(List.of("cat", "dog"), masks.stream().map(Annotation.Mask::label).toList());
        assertEquals("001/001", SegmentationAnswersTest.rows(masks.get(0)));
        assertEquals("000/100", SegmentationAnswersTest.rows(masks.get(1)));
    }

    @Test
    void readoutSpecsParseAndBadOnesAreNamed() {
        assertEquals(DenseReadout.DEFAULT, DenseReadout.parse(null));
        assertEquals("auto,shifted,softmax,bilinear,as-written", DenseReadout.DEFAULT.toString());
        DenseReadout r = DenseReadout.parse(" Hidden , unshifted,sigmoid:0.3,nearest,leading-space");
        assertEquals("hidden,unshifted,sigmoid:0.3,nearest,leading-space", r.toString());
        assertEquals(r, DenseReadout.parse(r.toString()), "a spec prints as it parses");
        Exception e = assertThrows(IllegalArgumentException.class, () -> DenseReadout.parse("hidden,crf"));
        assertEquals("dense readout 'crf' is none of: auto, text, hidden, shifted, unshifted, softmax, sigmoid[:threshold], bilinear, nearest,"
                + " as-written, leading-space", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DenseReadout.parse("sigmoid:1.5"));
        assertThrows(IllegalArgumentException.class, () -> DenseReadout.parse("sigmoid:x"));
    }

    private static float[] rows(float[][] rows) {
        float[] out = new float[rows.length * WIDTH];
        for (int r = 0; r < rows.length; r++) System.arraycopy(rows[r], 0, out, r * WIDTH, WIDTH);
        return out;
    }
}
