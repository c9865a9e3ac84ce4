package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GgmlExpTest {

    @Test
    void vectorExpIsAccurateAndHandlesTheRangeEnds() {
        for (float x = -100f; x <= 88f; x += 0.173f) {
            double exact = Math.exp(x);
            float v = GgmlExp.vexp(x);
            assertTrue(Math.abs(v - exact) <= 3 * Math.ulp((float) exact) + 1e-44, "vexp(" + x + ") = " + v + ", exp = " + exact);
        }
        assertEquals(0f, GgmlExp.vexp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, GgmlExp.vexp(-200f));
        assertEquals(Float.POSITIVE_INFINITY, GgmlExp.vexp(200f));
        assertEquals(1f, GgmlExp.vexp(0f));
    }

    @Test
    void glibcExpfIsWithinHalfAnUlpAndHandlesSpecials() {
        for (float x = -103f; x < 88.7f; x += 0.0917f) {
            double exact = Math.exp(x);
            float v = GgmlExp.expf(x);
            assertTrue(Math.abs(v - exact) <= 0.51 * Math.ulp((float) exact) + 1e-45, "expf(" + x + ")");
        }
        assertEquals(0f, GgmlExp.expf(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, GgmlExp.expf(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(GgmlExp.expf(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, GgmlExp.expf(89f));
        assertEquals(0f, GgmlExp.expf(-104f));
        assertEquals(1f, GgmlExp.expf(0f));
    }

    @Test
    void softmaxSumsGroupsOfEightLikeGgml() {
        float[] x = {0f, -1f, -2f, -3f, -4f, -5f, -6f, -7f, -0.5f};
        float[] y = new float[9];
        double sum = GgmlExp.softmaxExp(x, 0, y, 0, 9, 0f);
        double expected = ((y[0] + y[4]) + (y[2] + y[6])) + ((y[1] + y[5]) + (y[3] + y[7]));
        expected += y[8];
        assertEquals(expected, sum, 0.0);
        assertEquals(GgmlExp.expf(-0.5f), y[8], 0f);
        assertEquals(GgmlExp.vexp(-3f), y[3], 0f);
    }
    @Test
    void vexpInPlaceIsTheScalarVexpLaneByLaneAtAnyMagnitude() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        float[] a = new float[8 * 600];
        for (int i = 0; i < a.length; i++) {
            // Mostly ordinary arguments, some past 126 / 192 in magnitude (the scaled and saturated lanes).
            a[i] = i % 97 == 0 ? (float) (rnd.nextDouble(-250, 250)) : (float) rnd.nextDouble(-90, 80);
        }
        float[] v = a.clone();
        GgmlExp.vexpInPlace(v, 8, a.length - 16);
        for (int i = 0; i < a.length; i++) {
            float want = i >= 8 && i < a.length - 8 ? GgmlExp.vexp(a[i]) : a[i];
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(v[i]), "x = " + a[i] + " at " + i);
        }
    }

    @Test
    void swigluInPlaceIsTheScalarSiluPastTheScratchChunks() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        int n = 2 * GgmlExp.CHUNK + 8 + 3; // two chunks, a short one, a scalar tail
        float[] x = new float[n + 2], g = new float[n + 1];
        for (int i = 0; i < x.length; i++) x[i] = (float) (4 * rnd.nextGaussian());
        for (int i = 0; i < g.length; i++) g[i] = (float) rnd.nextGaussian();
        float[] y = x.clone();
        GgmlExp.swiglu(y, 2, g, 1, y, 2, n);
        int groups = n & ~7;
        for (int i = 0; i < n; i++) {
            float v = x[2 + i];
            float silu = i < groups ? v / (GgmlExp.vexp(0f - v) + 1f) : v / (1.0f + GgmlExp.expf(-v));
            assertEquals(Float.floatToRawIntBits(silu * g[1 + i]), Float.floatToRawIntBits(y[2 + i]), "value " + i);
        }
        assertEquals(Float.floatToRawIntBits(x[0]), Float.floatToRawIntBits(y[0]));
    }
}
