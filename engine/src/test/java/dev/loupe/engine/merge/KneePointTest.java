package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KneePointTest {

    /**
     * Three large values then a slow tail. By hand: σ_r = 0.4, y = (σ − 0.4)/9.6, x_i = i/9 (0-based),
     * and y_r − y_1 = −1, so d_i = |1 − x_i − y_i|: 0, 0.059, 0.118, 0.604, 0.503, ... — the
     * farthest point is index 3 (σ = 1, the first tail value), and k = 3 keeps 10, 9.5 and 9.
     */
    @Test
    void sharpKneeKeepsTheValuesBeforeIt() {
        double[] sigma = {10, 9.5, 9, 1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
        assertEquals(3, KneePoint.keep(sigma));
        // (100 + 90.25 + 81) / (271.25 + 1 + .81 + .64 + .49 + .36 + .25 + .16)
        assertEquals(271.25 / 274.96, KneePoint.energyKept(sigma, 3), 1e-12);
    }

    /** One dominant direction over a flat floor: d = |1 − x_i − y_i| peaks at index 1, so k = 1. */
    @Test
    void singleSpikeKeepsOne() {
        assertEquals(1, KneePoint.keep(new double[] {5, 1, 1, 1, 1, 1}));
    }

    /** All σ equal: y is 0/(0 + ε) = 0 everywhere, d is 0, k = 1. */
    @Test
    void flatSpectrumKeepsOne() {
        assertEquals(1, KneePoint.keep(new double[] {2, 2, 2, 2, 2, 2, 2, 2}));
        assertEquals(1, KneePoint.keep(new double[] {0, 0, 0}));
        assertEquals(1.0, KneePoint.energyKept(new double[] {0, 0, 0}, 1));
    }

    /** r = 1: x is undefined (0/0); the single direction is kept. */
    @Test
    void rankOneKeepsIt() {
        assertEquals(1, KneePoint.keep(new double[] {3}));
        assertEquals(1.0, KneePoint.energyKept(new double[] {3}, 1));
    }

    /** r = 2: the two points are the chord's ends, d = [0, 0], k = 1. */
    @Test
    void rankTwoKeepsOne() {
        assertEquals(1, KneePoint.keep(new double[] {3, 1}));
        assertEquals(0.9, KneePoint.energyKept(new double[] {3, 1}, 1), 1e-12);
    }

    /** [8, 7, 6, 1, 0]: y = [1, .875, .75, .125, 0], x = [0, .25, .5, .75, 1], d = [0, .125, .25, .125, 0]: k = 2. */
    @Test
    void kneeInTheMiddle() {
        assertEquals(2, KneePoint.keep(new double[] {8, 7, 6, 1, 0}));
    }

    @Test
    void unsortedValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> KneePoint.keep(new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> KneePoint.keep(new double[0]));
    }
}
