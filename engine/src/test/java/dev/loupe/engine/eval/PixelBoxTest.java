package dev.loupe.engine.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Box IoU and centre hits as lmms-eval's RefCOCO code computes them, values worked out by hand. */
class PixelBoxTest {
    private static final PixelBox TEN = PixelBox.fromXywh(0, 0, 10, 10);

    @Test
    void aCocoBoxEndsAtXPlusWidthAndHasAreaWidthTimesHeight() {
        PixelBox b = PixelBox.fromXywh(10, 20, 30, 40);
        assertEquals(new PixelBox(10, 20, 40, 60), b);
        assertEquals(1200, b.area());
    }

    @Test
    void overlapIsIntersectionOverUnion() {
        // 5 x 10 shared, union 100 + 100 - 50
        assertEquals(50.0 / 150, TEN.iou(new PixelBox(5, 0, 15, 10)), 0);
        assertEquals(1.0, TEN.iou(TEN), 0);
        // inside: 4 x 5 of 100
        assertEquals(0.2, TEN.iou(new PixelBox(2, 2, 6, 7)), 1e-15);
        assertEquals(TEN.iou(new PixelBox(5, 0, 15, 10)), new PixelBox(5, 0, 15, 10).iou(TEN), 0, "symmetric");
    }

    @Test
    void endsAreExclusiveSoBoxesThatTouchShareNothing() {
        // With inclusive "+1" ends these would share column 10: IoU 11 / 231.
        assertEquals(0, TEN.iou(new PixelBox(10, 0, 20, 10)));
        // A one-pixel box is 1 x 1, not 2 x 2; half a pixel off, they share half of it: 0.5 / 1.5.
        PixelBox onePixel = PixelBox.fromXywh(3, 4, 1, 1);
        assertEquals(1, onePixel.area());
        assertEquals(1.0 / 3, onePixel.iou(new PixelBox(3.5, 4, 4.5, 5)), 1e-15);
    }

    @Test
    void iouAtAThresholdIsAHitAtThatThreshold() {
        BoxResult half = BoxResult.scored(TEN, new PixelBox(0, 0, 10, 5)); // 50 / 100
        assertEquals(0.5, half.iou());
        assertTrue(half.hitAt(0.5), "IoU >= 0.5, as lmms-eval's compute_accuracy");
        assertFalse(half.hitAt(0.7));
    }

    @Test
    void degenerateBoxesHaveNoAreaAndNeverOverlap() {
        PixelBox line = PixelBox.fromXywh(5, 5, 0, 10);
        assertEquals(0, line.area());
        assertEquals(0, line.iou(new PixelBox(0, 0, 10, 20)), "a zero-width ground truth inside the prediction");
        assertEquals(0, PixelBox.fromXywh(5, 5, 0, 0).iou(new PixelBox(5, 5, 5, 5)), "no area on either side: 0, where lmms-eval divides by zero");
        PixelBox inverted = new PixelBox(10, 10, 0, 0);
        assertEquals(0, inverted.area());
        assertEquals(0, TEN.iou(inverted), "an inverted box shares nothing, as in lmms-eval");
        assertTrue(TEN.containsCentreOf(inverted), "its centre (5, 5) is still the centre lmms-eval computes");
        assertTrue(line.containsCentreOf(new PixelBox(0, 0, 10, 20)), "centre (5, 10) on the zero-width box: edges included");
        assertFalse(new PixelBox(0, 0, Double.NaN, 1).isFinite());
    }

    @Test
    void theCentreMayLieOnTheGroundTruthsEdge() {
        assertTrue(TEN.containsCentreOf(new PixelBox(5, 5, 15, 15)), "centre (10, 10): on the corner");
        assertFalse(TEN.containsCentreOf(new PixelBox(5, 5, 15.2, 15)), "centre (10.1, 10)");
        assertTrue(TEN.containsCentreOf(new PixelBox(-100, -100, 100, 100)), "a huge box centred on the object: a centre hit with IoU 0.0025");
    }
}
