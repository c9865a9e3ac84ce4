package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The shuffled folds against their scalar definitions, bit for bit, on values whose sums round. */
class LaneFoldsTest {

    @Test
    void foldsEqualTheirScalarDefinitions() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] v = new float[8];
        for (int i = 0; i < 100_000; i++) {
            for (int l = 0; l < 8; l++) v[l] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-6, 7)));
            FloatVector x = FloatVector.fromArray(FloatVector.SPECIES_256, v, 0);
            float adjacent = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
            float evenOdd = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
            assertEquals(Float.floatToRawIntBits(adjacent), Float.floatToRawIntBits(LaneFolds.adjacentPairs(x)));
            assertEquals(Float.floatToRawIntBits(evenOdd), Float.floatToRawIntBits(LaneFolds.evenOdd(x)));
            assertEquals(Float.floatToRawIntBits(evenOdd), Float.floatToRawIntBits(IntLanes.hsum(v)));
        }
    }
}
