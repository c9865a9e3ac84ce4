package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** The vector fp16 rounding against the JDK's scalar conversions, lane by lane, bit for bit (and the scalar tail of a range). */
class HalfRoundingTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Test
    void everyFp16BoundaryAndTieRoundsAsTheJdk() {
        int checked = 0;
        float[] lanes = new float[S.length()];
        // Every fp16 value, the midpoints around it and their float neighbours, both signs.
        for (int h = 0; h < 0x7c00; h++) {
            float v = Float.float16ToFloat((short) h);
            float next = Float.float16ToFloat((short) (h + 1));
            float mid = (v + next) / 2; // exact: a float has room for one more bit
            for (float x : new float[] {v, mid, Math.nextUp(mid), Math.nextDown(mid), -mid, -v, Math.nextDown(-mid)}) {
                lanes[checked++ % lanes.length] = x;
                if (checked % lanes.length == 0) check(lanes);
            }
        }
        check(new float[] {65504f, 65519.99f, 65520f, 1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
                Float.MIN_VALUE, 2.98e-8f, 2.9802322e-8f, 5.96e-8f, 6.1e-5f, -65520f, 1f, -1f});
        assertTrue(checked > 200_000);
    }

    @Test
    void randomFloatsOfEveryMagnitude() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] lanes = new float[S.length()];
        for (int i = 0; i < 200_000; i++) {
            for (int l = 0; l < lanes.length; l++) lanes[l] = Float.intBitsToFloat(rnd.nextInt());
            check(lanes);
        }
    }

    @Test
    void nanStaysNan() {
        float[] lanes = new float[S.length()];
        java.util.Arrays.fill(lanes, Float.NaN);
        HalfRounding.roundInPlace(lanes, 0, lanes.length);
        for (float f : lanes) assertTrue(Float.isNaN(f));
    }

    @Test
    void aRangeOfAnyBoundsRoundsEveryValueInsideAndNothingOutside() {
        SplittableRandom rnd = new SplittableRandom(9);
        float[] a = new float[3 * S.length() + 7];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * 1e3);
        int from = 3, to = a.length - 2; // vectors, then a scalar tail
        float[] rounded = a.clone();
        HalfRounding.roundInPlace(rounded, from, to);
        for (int i = 0; i < a.length; i++) {
            float want = i >= from && i < to ? Layouts.roundF16(a[i]) : a[i];
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(rounded[i]), "value " + i);
        }
    }

    /** Checks {@code values} a vector at a time (the last one padded with zeros). */
    private static void check(float[] values) {
        for (int i = 0; i < values.length; i += S.length()) checkVector(java.util.Arrays.copyOfRange(values, i, i + S.length()));
    }

    private static void checkVector(float[] lanes) {
        float[] out = lanes.clone();
        HalfRounding.roundInPlace(out, 0, out.length);
        for (int l = 0; l < lanes.length; l++) {
            if (Float.isNaN(lanes[l])) {
                assertTrue(Float.isNaN(out[l]));
                continue;
            }
            float x = lanes[l];
            assertEquals(Float.floatToRawIntBits(Layouts.roundF16(x)), Float.floatToRawIntBits(out[l]),
                    () -> "x = " + x + " (" + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
        }
    }
}
