package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorized quantizers give Q8Rows' numbers (ggml's quantize_row_q8_0 / q8_K), edge cases
 * included; the narrow-scaled rounding of 4-bit types gives integers times 8-bit scales, with
 * which a group's float chain is exact in any order.
 */
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

    /** ggml's integers (Q8Rows'), ggml's block scales rounded to 8 significant bits, values their exact products. */
    @Test
    void narrowScaledRowsAreGgmlsIntegersTimesItsScalesIn8Bits() {
        for (boolean superBlocks : new boolean[] {false, true}) {
            int block = superBlocks ? 256 : 32;
            float[] x = sample(1024), got = new float[x.length], scales = new float[x.length / 16];
            short[] q = new short[x.length];
            ActivationRounding.narrowScaled(x, 0, got, 0, x.length, superBlocks, q, scales, 16);
            Q8Rows ggml = superBlocks ? Q8Rows.q8K(x, 1, x.length, 0) : Q8Rows.q8_0(x, 1, x.length);
            float[] ggmlValues = ggml.toFloats();
            for (int k = 0; k < x.length; k++) {
                float d = ggml.d[k / block], u = scales[k / 16];
                assertEquals(d == 0f ? 0 : Math.round(ggmlValues[k] / d), q[k], "integer " + k);
                assertEquals(0, Float.floatToRawIntBits(u) & 0xFFFF, "8 significant bits: " + u);
                assertEquals(d, u, Math.abs(d) * 0x1p-8f, "scale of value " + k);
                assertEquals(q[k] * u, got[k], 0f, "value " + k);
            }
            float[] alone = new float[x.length];
            ActivationRounding.narrowScaled(x, 0, alone, 0, x.length, superBlocks, null, null, 16);
            assertBits(got, alone, "without integers");
        }
        assertEquals(0x1.fep-1f, ActivationRounding.roundTo8Bits(0x1.fdfp-1f));
        assertEquals(0x1p0f, ActivationRounding.roundTo8Bits(0x1.ff01p-1f));
        assertEquals(-0.5f, ActivationRounding.roundTo8Bits(-0.5f));
    }

    /**
     * Why the scales are narrow: 32 codes of at most 15 times narrow-scaled values, summed by
     * FMAs in any order, give the integer sum times the scale exactly — what the one-row 4-bit
     * tile computes in integers.
     */
    @Test
    void aGroupsFloatChainOfFourBitCodesIsExactInAnyOrder() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 2000; trial++) {
            float[] x = new float[32], v = new float[32], scale = new float[1];
            short[] q = new short[32];
            float spread = (float) Math.pow(10, rnd.nextInt(-30, 30));
            for (int k = 0; k < 32; k++) x[k] = (float) rnd.nextGaussian() * spread;
            ActivationRounding.narrowScaled(x, 0, v, 0, 32, false, q, scale, 32);
            int[] codes = new int[32];
            long exact = 0;
            for (int k = 0; k < 32; k++) {
                codes[k] = trial % 2 == 0 ? 15 : rnd.nextInt(16);
                exact += (long) codes[k] * q[k];
            }
            float forward = 0f, backward = 0f;
            for (int k = 0; k < 32; k++) forward = Math.fma(v[k], codes[k], forward);
            for (int k = 31; k >= 0; k--) backward = Math.fma(v[k], codes[k], backward);
            assertEquals(Float.floatToRawIntBits((float) exact * scale[0]), Float.floatToRawIntBits(forward), "trial " + trial);
            assertEquals(Float.floatToRawIntBits(forward), Float.floatToRawIntBits(backward), "trial " + trial);
        }
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
