package dev.loupe.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 8 x 32-bit lanes of ggml's AVX2 integer dot products. ggml multiplies 32 int8 pairs with
 * {@code maddubs} and {@code madd}, which leaves in lane {@code l} the exact sum of products
 * {@code 4l..4l+3}; with both operands stored "transposed" within groups of 32 (see
 * {@link Q8Rows}) four 8-int multiply-adds give the same lanes. Integer sums are exact, so
 * only the floating-point steps after them (conversion, FMA, final fold) decide the result.
 */
final class IntLanes {
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    private IntLanes() {}

    /**
     * Lane l: the sum of products 4l..4l+3 of a group of 32, natural-order weight bytes
     * {@code w[wo..]} times activations in {@link Q8Rows#pairs} layout at {@code xp[xo..]}.
     * The 32 bytes load as 16 shorts (lane k = bytes 2k, 2k+1); shifts split them into the
     * even- and odd-indexed values, two 16-bit multiplies and an add give
     * {@code w[2k] x[2k] + w[2k+1] x[2k+1]} in lane k (at most 2 x 128 x 127, no overflow),
     * and adding the two halves of each 32-bit lane gives lane l's four products: exactly the
     * integers ggml's maddubs/madd leave. Half the vector operations of 32-bit products.
     */
    static IntVector dot32(byte[] w, int wo, short[] xp, int xo) {
        return pairSums(ByteVector.fromArray(B32, w, wo).reinterpretAsShorts(), xp, xo);
    }

    /** As {@link #dot32}, the 32 weight bytes given as 16 shorts. */
    static IntVector pairSums(ShortVector w, short[] xp, int xo) {
        ShortVector even = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
        ShortVector odd = w.lanewise(VectorOperators.ASHR, 8);
        IntVector t = even.mul(ShortVector.fromArray(S16, xp, xo)).add(odd.mul(ShortVector.fromArray(S16, xp, xo + 16))).reinterpretAsInts();
        return t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Int lane l = {@code p[2l] + p[2l+1]}, exact when that sum fits in 16 bits (callers' pair
     * sums stay below 2^14 in magnitude). Three operations instead of {@link #pairSums}' four:
     * adding the lane to itself shifted left by 16 puts {@code p[2l+1] + p[2l]} (mod 2^16) in the
     * upper half with no carry from the lower one, and the arithmetic shift reads it back signed.
     */
    static IntVector pairTotals(ShortVector p) {
        IntVector t = p.reinterpretAsInts();
        return t.add(t.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /** The sum of {@code lanes[0..8)}: integer, so in any order. */
    static int total(int[] lanes) {
        return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    /**
     * The sum of {@code v}'s lanes, through {@code scratch}. Used instead of
     * {@code reduceLanes} in the big kernel methods: there C2 may give up inlining the
     * reduction intrinsic (node-count limits), and its fallback is a boxed loop ~50x slower.
     */
    static int total(IntVector v, int[] scratch) {
        v.intoArray(scratch, 0);
        return total(scratch);
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** ggml's hsum_float_8: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). */
    static float hsum(FloatVector v) {
        return LaneFolds.evenOdd(v);
    }

    static float hsum(float[] a) {
        return hsum(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    }

    static float hsum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }
}
