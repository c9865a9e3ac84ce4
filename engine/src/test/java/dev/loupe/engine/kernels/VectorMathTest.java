package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    @Test
    void logSumExpIsTheSameSequenceOfOperationsAsItsScalarRendering() {
        SplittableRandom random = new SplittableRandom(7);
        for (int n : new int[] {1, 7, 8, 9, 63, 64, 65, 1000, 49_152 + 5}) {
            float[] x = logits(random, n + 3);
            for (int repeat = 0; repeat < 200; repeat++) {  // enough calls for C2 to compile it midway
                assertEquals(VectorMath.logSumExpInOrder(x, 3, n), VectorMath.logSumExp(x, 3, n), 0.0, "n=" + n);
            }
        }
    }

    @Test
    void logSumExpAgreesWithDoublePrecision() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : new int[] {1, 5, 8, 100, 32_000}) {
            float[] x = logits(random, n);
            double max = Double.NEGATIVE_INFINITY;
            for (float v : x) max = Math.max(max, v);
            double sum = 0;
            for (float v : x) sum += Math.exp(v - max);
            assertEquals(max + Math.log(sum), VectorMath.logSumExp(x, 0, n), 1e-5, "n=" + n);
        }
    }

    @Test
    void maskedLogitsContributeNothingAndAllMaskedIsMinusInfinity() {
        float[] x = {2f, Float.NEGATIVE_INFINITY, 1f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f, Float.NEGATIVE_INFINITY};
        double expected = 2 + Math.log(1 + Math.exp(-1) + Math.exp(-1.5));
        assertEquals(expected, VectorMath.logSumExp(x, 0, x.length), 1e-6);
        float[] masked = new float[12];
        java.util.Arrays.fill(masked, Float.NEGATIVE_INFINITY);
        assertEquals(Double.NEGATIVE_INFINITY, VectorMath.logSumExp(masked, 0, masked.length));
    }

    private static float[] logits(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (random.nextGaussian() * 4);
        return x;
    }
}
