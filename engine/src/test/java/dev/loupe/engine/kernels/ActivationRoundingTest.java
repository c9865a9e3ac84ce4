package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorized quantizers give Q8Rows' numbers (ggml's quantize_row_q8_0 / q8_K), edge cases included. */
class ActivationRoundingTest {

    @Test
    void q8_0MatchesGgmlsQuantizer() {
        float[] x = sample(512);
        float[] got = new float[x.length];
        ActivationRounding.q8_0(x, 0, got, 0, x.length);
        assertBits(Q8Rows.q8_0(x, 1, x.length).toFloats(), got, "q8_0");
    }

    @Test
    void q8KMatchesGgmlsRowQuantizer() {
        float[] x = sample(1024);
        float[] got = new float[x.length];
        ActivationRounding.q8K(x, 0, got, 0, x.length);
        assertBits(Q8Rows.q8K(x, 1, x.length, 0).toFloats(), got, "q8_K");
    }

    /** Hand-checked: amax 2.54 gives d = 0.02 (fp16: 0.0200042724609375) and 127/2.54 = 50 per unit; 0.01 * 50 = 0.5 rounds to even 0, 0.03 * 50 = 1.5 to 2. */
    @Test
    void q8_0RoundsHalfToEven() {
        float[] x = new float[32];
        x[0] = 2.54f;
        x[1] = 0.01f;
        x[2] = 0.03f;
        x[3] = -0.03f;
        float[] got = new float[32];
        ActivationRounding.q8_0(x, 0, got, 0, 32);
        float d = Float.float16ToFloat(Float.floatToFloat16(2.54f / 127f));
        assertEquals(127 * d, got[0], 0f);
        assertEquals(Math.rint(0.01f * (127f / 2.54f)) * d, got[1], 0f);
        assertEquals(Math.rint(0.03f * (127f / 2.54f)) * d, got[2], 0f);
        assertEquals(-got[2], got[3], 0f);
    }

    /** Blocks of zeros, a block holding both +amax and -amax (q8_K takes the first), values in one block only. */
    private static float[] sample(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * (i % 61 == 7 ? 50f : 1f);
        java.util.Arrays.fill(x, 32, 64, 0f);             // a zero Q8_0 block
        java.util.Arrays.fill(x, 256, 512, 0f);           // a zero Q8_K block
        x[512 % n] = -9f;                                 // -amax first ...
        x[(512 + 40) % n] = 9f;                           // ... then +amax in the same block
        x[100] = -0f;
        return x;
    }

    private static void assertBits(float[] expected, float[] got, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), what + " value " + i + ": " + expected[i] + " vs " + got[i]);
        }
    }
}
