package dev.loupe.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    private IntLanes() {}

    /**
     * Lane l: the sum of {@code w[wo + 4l + j] * x[xo + 8j + l]} over j &lt; 4, i.e. products
     * 4l..4l+3 of a group of 32 with natural-order weight bytes and transposed activations.
     * The 32 bytes load as 8 ints (lane l = bytes 4l..4l+3, little-endian); byte j of every
     * lane is sign-extended with two shifts, as in {@link Q8_0Kernel}.
     */
    static IntVector dot32(byte[] w, int wo, int[] x, int xo) {
        IntVector g = ByteVector.fromArray(B32, w, wo).reinterpretAsInts();
        IntVector s = g.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).mul(IntVector.fromArray(I8, x, xo));
        s = s.add(g.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).mul(IntVector.fromArray(I8, x, xo + 8)));
        s = s.add(g.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).mul(IntVector.fromArray(I8, x, xo + 16)));
        return s.add(g.lanewise(VectorOperators.ASHR, 24).mul(IntVector.fromArray(I8, x, xo + 24)));
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
