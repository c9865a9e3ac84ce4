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
 * <p>The kernels' hot loops write these folds out with the shuffles here rather than call
 * them (see BlockKernel's note on laneDot: a method of ours taking a vector that C2 leaves out
 * of line boxes it); the methods are their definitions, tested against the scalar sums.
 */
final class LaneFolds {
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** The folds' shuffles; kernels that write the folds out (see {@code BlockKernel}) use them too. */
    static final VectorShuffle<Float> HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    static final VectorShuffle<Float> NEIGHBOURS = VectorShuffle.fromValues(F8, 1, 0, 3, 2, 5, 4, 7, 6);
    static final VectorShuffle<Float> PAIRS = VectorShuffle.fromValues(F8, 2, 3, 0, 1, 6, 7, 4, 5);

    private LaneFolds() {}

    /** {@code ((v0+v4)+(v1+v5)) + ((v2+v6)+(v3+v7))}: ggml_vec_dot_f16/f32's final reduction. */
    static float adjacentPairs(FloatVector v) {
        FloatVector h = v.add(v.rearrange(HALVES));      // lane l < 4: v_l + v_{l+4}
        FloatVector n = h.add(h.rearrange(NEIGHBOURS));  // lane 0: h0 + h1, lane 2: h2 + h3
        return n.lane(0) + n.lane(2);
    }

    /** {@code ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7))}: ggml's hsum_float_8. */
    static float evenOdd(FloatVector v) {
        FloatVector h = v.add(v.rearrange(HALVES));      // lane l < 4: v_l + v_{l+4}
        FloatVector p = h.add(h.rearrange(PAIRS));       // lane 0: h0 + h2, lane 1: h1 + h3
        return p.lane(0) + p.lane(1);
    }
}
