package dev.loupe.engine.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** REC aggregates as lmms-eval's: each metric the mean of the per-sample score over all samples, misses included. */
class BoxTotalsTest {
    private static final PixelBox TEN = PixelBox.fromXywh(0, 0, 10, 10);

    @Test
    void accuracyMeanIouAndCentreAccuracyCountMissesAsZero() {
        BoxTotals t = new BoxTotals();
        t.add(BoxResult.scored(TEN, new PixelBox(5, 0, 15, 10)));   // IoU 1/3, centre (10, 5) on the edge: hit
        t.add(BoxResult.scored(TEN, new PixelBox(0, 0, 10, 5)));    // IoU 1/2, centre (5, 2.5): hit
        t.add(BoxResult.scored(TEN, new PixelBox(20, 20, 30, 30))); // IoU 0, centre outside
        t.add(BoxResult.miss(Outcome.UNPARSED, "no box"));
        t.add(BoxResult.miss(Outcome.MISSING, "no prediction"));
        t.add(BoxResult.miss(Outcome.BAD_TRUTH, "bbox of 3 numbers"));

        assertEquals(5, t.samples(), "bad ground truth is left out");
        assertEquals(2.0 / 5, t.accuracy(0), "ACC@0.1");
        assertEquals(2.0 / 5, t.accuracy(1), "ACC@0.3");
        assertEquals(1.0 / 5, t.accuracy(2), "ACC@0.5");
        assertEquals(0, t.accuracy(3), "ACC@0.7");
        assertEquals(0, t.accuracy(4), "ACC@0.9");
        assertEquals((1.0 / 3 + 0.5) / 5, t.meanIou(), 1e-16);
        assertEquals(2.0 / 5, t.centreAccuracy());
        assertEquals(3, t.count(Outcome.SCORED));
        assertEquals(1, t.count(Outcome.UNPARSED));
        assertEquals(1, t.count(Outcome.MISSING));
        assertEquals(0, t.count(Outcome.ERROR));
        assertEquals(1, t.count(Outcome.BAD_TRUTH));
    }

    @Test
    void theMeanIsTheSameToTheLastBitWhateverOrderPartitionsAreMergedIn() {
        // As doubles, (0.1 + 0.2) + 0.3 = 0.6000000000000001 but 0.1 + (0.2 + 0.3) = 0.6.
        assertNotEquals((0.1 + 0.2) + 0.3, 0.1 + (0.2 + 0.3));
        BoxTotals a = totalsOf(0.1), b = totalsOf(0.2), c = totalsOf(0.3);
        BoxTotals ab = totalsOf();
        ab.merge(a);
        ab.merge(b);
        ab.merge(c);
        BoxTotals cb = totalsOf();
        cb.merge(c);
        cb.merge(b);
        cb.merge(a);
        assertEquals(ab.meanIou(), cb.meanIou(), 0);
        assertEquals(0.2, ab.meanIou(), 1e-16);
    }

    @Test
    void scoreboardKeepsSplitsApartAndAddsThemUp() {
        Scoreboard one = new Scoreboard(), two = new Scoreboard();
        one.add("val", BoxResult.scored(TEN, TEN), null);
        one.add("testA", BoxResult.miss(Outcome.ERROR, "undecodable image"), null);
        two.add("val", BoxResult.scored(TEN, new PixelBox(0, 0, 10, 5)), MaskResult.miss(Outcome.MISSING, new int[] {1, 2, 1}, "no row"));
        Scoreboard all = new Scoreboard().merge(one).merge(two);
        assertEquals(3, all.boxes().samples());
        assertEquals(2.0 / 3, all.boxes().accuracy(2));
        assertEquals(java.util.List.of("testA", "val"), java.util.List.copyOf(all.boxesBySplit().keySet()));
        assertEquals(1.0, all.boxesBySplit().get("val").accuracy(2));
        assertEquals(0.75, all.boxesBySplit().get("val").meanIou());
        assertEquals(0, all.boxesBySplit().get("testA").meanIou());
        assertEquals(1, all.masks().samples(), "masks only where evaluated");
        assertEquals(2, all.masks().union(), "a missing mask adds the truth's area to the union");
    }

    private static BoxTotals totalsOf(double... ious) {
        BoxTotals t = new BoxTotals();
        for (double iou : ious) t.add(new BoxResult(Outcome.SCORED, iou, false, null));
        return t;
    }
}
