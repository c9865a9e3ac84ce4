package dev.loupe.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 8 x 32-bit lanes of ggml's AVX2 integer dot products. ggml multiplies 32 int8 pairs with
 * {@code maddubs} and {@code madd}, which leaves in lane {@code l} the exact sum of products
 * {@code 4l..4l+3}; with both operands stored "transposed" within groups of 32 (see
 * {@link Q8Rows}) four 8-int multiply-adds give the same lanes. Integer sums are exact, so
 * only the floating-point steps after them (conversion, FMA, final fold) decide the result.
 *
 * <p>The kernels form the lanes in 16-bit lanes, half the vector operations of 32-bit
 * products ("the pair sums"): 32 natural-order weight bytes load as 16 shorts (lane k = bytes
 * 2k, 2k+1); shifts split them into the even- and odd-indexed values; multiplied with the
 * activations' even and odd shorts ({@link Q8Rows#pairs}) and added, they give
 * {@code w[2k] x[2k] + w[2k+1] x[2k+1]} in short lane k (at most 2 x 128 x 127, no overflow);
 * adding the two signed halves of each 32-bit lane gives lane l's four products, exactly the
 * integers ggml's maddubs/madd leave. Where one of those halves fits in 15 bits with its
 * neighbour (unsigned codes of at most 6 bits), {@code (t + (t << 16)) >> 16} adds them in
 * three operations instead of four.
 *
 * <p>Each kernel writes these steps out with Vector API calls instead of calling a helper
 * here: see BlockKernel's note on laneDot for why no helper of ours takes or returns a vector.
 */
final class IntLanes {
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    private IntLanes() {}

    /** The sum of {@code lanes[0..8)}: integer, so in any order. */
    static int total(int[] lanes) {
        return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    /** ggml's hsum_float_8 of 8 lanes in an array: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), as {@link LaneFolds#evenOdd}. */
    static float hsum(float[] a) {
        return hsum(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    }

    static float hsum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }
}
