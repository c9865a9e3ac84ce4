package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One activation row quantized as ggml quantizes it for a weight type's dot products and
 * widened straight back to floats ({@code integer * scale}): what {@link Numerics#FAST}
 * products multiply (for the types of 4-bit codes, with the scale narrowed: {@link #narrowScaled}).
 * Otherwise the same numbers as {@link Q8Rows} followed by {@code toFloats}, without
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

    /**
     * The activations of a type whose panels hold 4-bit codes ({@link Int8Panels}): ggml's
     * integers ({@link #q8_0}'s per block of 32 for {@code superBlocks} false, {@link #q8K}'s per
     * block of 256 for true) times ggml's block scale rounded to 8 significant bits (a half or a
     * float in ggml: 11 or 24). The narrow scale makes every product of a 4-bit panel exact: a
     * value {@code q * u} has at most 15 significant bits, a code of at most 15 times it 19, and
     * a group's 32 of them sum below 2^24 units of u's last bit — so a group's float chain is
     * the same number in any order, and equals the integer sum of {@code code * q} times u,
     * which {@link Int8Panels}' one-row tile forms in 16-bit lanes. The integers are ggml's;
     * the values differ from ggml's by a block's common factor within 2^-8 of one.
     *
     * <p>With {@code integers} not null, also writes each value's integer there (from 0) and
     * each group of {@code group} values' scale to {@code groupScales} (from 0); a block of
     * zeros has scale 0.
     */
    static void narrowScaled(float[] x, int xo, float[] dst, int dstOffset, int cols, boolean superBlocks,
                             short[] integers, float[] groupScales, int group) {
        int block = superBlocks ? 256 : 32;
        for (int o = 0; o < cols; o += block) {
            float u;
            float amax = absMax(x, xo + o, block);
            if (superBlocks) {
                int first = xo + o;
                if (amax != 0f) while (Math.abs(x[first]) != amax) first++;
                float iscale = amax == 0f ? 0f : -127f / x[first];
                u = amax == 0f ? 0f : roundTo8Bits(1 / iscale);
                roundBlock(x, xo + o, dst, dstOffset + o, block, iscale, u, 127f);
            } else {
                u = roundTo8Bits(Layouts.roundF16(amax / 127f));
                roundBlock(x, xo + o, dst, dstOffset + o, block, amax != 0f ? 127f / amax : 0f, u, Float.POSITIVE_INFINITY);
            }
            if (integers == null) continue;
            for (int k = 0; k < block; k++) integers[o + k] = (short) (u == 0f ? 0 : Math.round(dst[dstOffset + o + k] / u));
            for (int g = o / group; g < (o + block) / group; g++) groupScales[g] = u;
        }
    }

    /** {@code v} rounded to 8 significant bits (to nearest, ties away from zero). */
    static float roundTo8Bits(float v) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(v) + 0x8000) & ~0xFFFF);
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
