package dev.loupe.engine.kernels;

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

    private IntLanes() {}

    /** Lane l: sum over j < 4 of w[wo + 8j + l] * x[xo + 8j + l]. */
    static IntVector dot32(int[] w, int wo, int[] x, int xo) {
        IntVector s = IntVector.fromArray(I8, w, wo).mul(IntVector.fromArray(I8, x, xo));
        s = s.add(IntVector.fromArray(I8, w, wo + 8).mul(IntVector.fromArray(I8, x, xo + 8)));
        s = s.add(IntVector.fromArray(I8, w, wo + 16).mul(IntVector.fromArray(I8, x, xo + 16)));
        return s.add(IntVector.fromArray(I8, w, wo + 24).mul(IntVector.fromArray(I8, x, xo + 24)));
    }

    /** Scalar twin of {@link #dot32}: lane {@code l} only. */
    static int dot32(int[] w, int wo, int[] x, int xo, int l) {
        int s = 0;
        for (int j = 0; j < 4; j++) s += w[wo + 8 * j + l] * x[xo + 8 * j + l];
        return s;
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** ggml's hsum_float_8: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). */
    static float hsum(FloatVector v) {
        return hsum(v.lane(0), v.lane(1), v.lane(2), v.lane(3), v.lane(4), v.lane(5), v.lane(6), v.lane(7));
    }

    static float hsum(float[] a) {
        return hsum(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    }

    static float hsum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }
}
