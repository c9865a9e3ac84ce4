package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GgmlOrderTest {

    @Test
    void vectorDotEqualsScalarTwinBitForBit() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n : new int[] {1, 7, 31, 32, 33, 64, 72, 100, 257}) {
            float[] x = new float[n + 3], y = new float[n + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = (float) rnd.nextGaussian() * 1000f;
            assertEquals(GgmlOrder.dotScalar(x, 3, y, 5, n), GgmlOrder.dot(x, 3, y, 5, n), 0f, "n=" + n);
        }
    }

    /** The reduction tree is not left-to-right: a value that only survives the tree's order proves it. */
    @Test
    void reductionFollowsGgmlTree() {
        float[] x = new float[32];
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        x[0] = 1e8f;   // accumulator 0, lane 0
        x[16] = -1e8f; // accumulator 2, lane 0: cancels x[0] first in ggml's tree
        x[1] = 1f;     // survives only if the big values cancel before it is added
        assertEquals(1f, GgmlOrder.dot(x, 0, ones, 0, 32), 0f);
        assertEquals(1f, GgmlOrder.dotScalar(x, 0, ones, 0, 32), 0f);
    }
}
