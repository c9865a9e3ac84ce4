package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One activation row quantized as ggml quantizes it for a weight type's dot products and
 * widened straight back to floats ({@code integer * scale}): what {@link Numerics#FAST}
 * products multiply. The same numbers as {@link Q8Rows} followed by {@code toFloats}, without
 * the integer layouts the exact kernels need, and vectorized: a decode step rounds every
 * matrix product's input, so this runs hundreds of times per step.
 *
 * <p>Rounding to nearest, ties to even ({@code Math.rint}) is done by adding and subtracting
 * 1.5 * 2^23: below 2^22 in magnitude the addition rounds to an integer, the subtraction is
 * exact, and quantized values stay within 128.
 */
final class ActivationRounding {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float ROUNDER = 12582912f; // 1.5 * 2^23

    private ActivationRounding() {}

    /**
     * ggml's quantize_row_q8_0 (and q8_1, whose values are the same) of {@code cols} values
     * at {@code x[xo]}, as floats to {@code dst[dstOffset]}: per block of 32,
     * {@code rint(x * 127 / amax) * fp16(amax / 127)}.
     */
    static void q8_0(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        for (int o = 0; o < cols; o += 32) {
            float amax = absMax(x, xo + o, 32);
            float d = Layouts.roundF16(amax / 127f);
            float id = amax != 0f ? 127f / amax : 0f;
            roundBlock(x, xo + o, dst, dstOffset + o, 32, id, d, Float.POSITIVE_INFINITY);
        }
    }

    /**
     * ggml's quantize_row_q8_K: per block of 256, the scale taken from the first value of
     * largest magnitude, {@code iscale = -127 / max}, values {@code min(127, rint(iscale * x))}
     * times {@code 1 / iscale}; a block of zeros stays zero.
     */
    static void q8K(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        for (int o = 0; o < cols; o += 256) {
            float amax = absMax(x, xo + o, 256);
            if (amax == 0f) {
                java.util.Arrays.fill(dst, dstOffset + o, dstOffset + o + 256, 0f);
                continue;
            }
            int first = xo + o;
            while (Math.abs(x[first]) != amax) first++;
            float iscale = -127f / x[first];
            roundBlock(x, xo + o, dst, dstOffset + o, 256, iscale, 1 / iscale, 127f);
        }
    }

    /** The largest magnitude of {@code n} values (a multiple of the vector length): max is exact in any order. */
    private static float absMax(float[] x, int xo, int n) {
        FloatVector m = FloatVector.zero(S);
        for (int j = 0; j < n; j += S.length()) m = m.max(FloatVector.fromArray(S, x, xo + j).abs());
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** {@code dst = min(cap, rint(x * scale)) * d} for {@code n} values. */
    private static void roundBlock(float[] x, int xo, float[] dst, int dstOffset, int n, float scale, float d, float cap) {
        for (int j = 0; j < n; j += S.length()) {
            FloatVector q = FloatVector.fromArray(S, x, xo + j).mul(scale).add(ROUNDER).sub(ROUNDER).min(cap);
            q.mul(d).intoArray(dst, dstOffset + j);
        }
    }
}
