package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's two ways of folding 8 float lanes into one, with in-register shuffles instead of
 * eight lane extractions. Each step adds whole vectors, so every lane's sum is formed in the
 * same order as the scalar definition (float addition commutes bit for bit); the result is
 * identical, at a fraction of the cost in the per-row and per-cell hot loops.
 *
 * <p>Every method here takes a vector, so each is kept within C2's {@code MaxInlineSize} (35
 * bytes of bytecode), which both compilers inline whatever the call site's profile says. A
 * larger one is left out of line where its caller was compiled with a cold or missing profile
 * (a caller compiled from tier-2 code, say), and then each call boxes its argument on the
 * heap, for as long as that compiled caller lives.
 */
final class LaneFolds {
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** The folds' shuffles; kernels that write {@link #evenOdd} out (see {@code BlockKernel}) use them too. */
    static final VectorShuffle<Float> HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorShuffle<Float> NEIGHBOURS = VectorShuffle.fromValues(F8, 1, 0, 3, 2, 5, 4, 7, 6);
    static final VectorShuffle<Float> PAIRS = VectorShuffle.fromValues(F8, 2, 3, 0, 1, 6, 7, 4, 5);

    private LaneFolds() {}

    /** {@code ((v0+v4)+(v1+v5)) + ((v2+v6)+(v3+v7))}: ggml_vec_dot_f16/f32's final reduction. */
    static float adjacentPairs(FloatVector v) {
        FloatVector h = v.add(v.rearrange(HALVES));      // lane l < 4: v_l + v_{l+4}
        return lanes02(h.add(h.rearrange(NEIGHBOURS)));  // lane 0: h0 + h1, lane 2: h2 + h3
    }

    /** {@code ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7))}: ggml's hsum_float_8. */
    static float evenOdd(FloatVector v) {
        FloatVector h = v.add(v.rearrange(HALVES));      // lane l < 4: v_l + v_{l+4}
        return lanes01(h.add(h.rearrange(PAIRS)));       // lane 0: h0 + h2, lane 1: h1 + h3
    }

    /** {@code v0 + v1}. */
    static float lanes01(FloatVector v) {
        return v.lane(0) + v.lane(1);
    }

    /** {@code v0 + v2}. */
    private static float lanes02(FloatVector v) {
        return v.lane(0) + v.lane(2);
    }
}
