package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The summation order of ggml's AVX2 float dot products ({@code ggml_vec_dot_f32},
 * {@code ggml_vec_dot_f16}): each block of 32 products goes to four 8-lane FMA accumulators;
 * the accumulators are reduced (0+2, 1+3, then together), the 8 lanes folded as
 * (l + l+4) and added pairwise; a tail shorter than 32 is added product by product in double.
 *
 * <p>Reproducing the order (not just the precision) matters: downstream fp16 roundings — the
 * flash-attention accumulator, fp16 activations, Q8 quantization of activations — turn
 * last-bit differences into whole fp16 ulps, which random-weight models amplify layer by
 * layer. With this order Loupe's F16 and Q8_0 matrix products are bit-identical to
 * llama.cpp's (haswell CPU variant).
 */
public final class GgmlOrder {
    /** ggml's AVX2 register width: 8 floats, whatever the JVM's preferred species. */
    public static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    private GgmlOrder() {}

    /** Folds four 8-lane accumulators to one float, in ggml's reduction order. */
    public static float reduce(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        FloatVector v = a0.add(a2).add(a1.add(a3));
        float t0 = v.lane(0) + v.lane(4), t1 = v.lane(1) + v.lane(5);
        float t2 = v.lane(2) + v.lane(6), t3 = v.lane(3) + v.lane(7);
        return (t0 + t1) + (t2 + t3);
    }

    /** Σ x[xOff+i]·y[yOff+i] for i < n, in ggml's order. */
    public static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        int blocked = n & ~31;
        float result = 0f;
        if (blocked > 0) {
            FloatVector a0 = FloatVector.zero(S8), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < blocked; i += 32) {
                a0 = FloatVector.fromArray(S8, x, xOff + i).fma(FloatVector.fromArray(S8, y, yOff + i), a0);
                a1 = FloatVector.fromArray(S8, x, xOff + i + 8).fma(FloatVector.fromArray(S8, y, yOff + i + 8), a1);
                a2 = FloatVector.fromArray(S8, x, xOff + i + 16).fma(FloatVector.fromArray(S8, y, yOff + i + 16), a2);
                a3 = FloatVector.fromArray(S8, x, xOff + i + 24).fma(FloatVector.fromArray(S8, y, yOff + i + 24), a3);
            }
            result = reduce(a0, a1, a2, a3);
        }
        if (blocked == n) return result;
        double sum = result;
        for (int i = blocked; i < n; i++) sum += x[xOff + i] * y[yOff + i];
        return (float) sum;
    }

    /** Scalar twin of {@link #dot}, same order, for reference kernels and tests. */
    public static float dotScalar(float[] x, int xOff, float[] y, int yOff, int n) {
        int blocked = n & ~31;
        float[][] acc = new float[4][8];
        for (int i = 0; i < blocked; i += 32) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 8; l++) acc[j][l] = Math.fma(x[xOff + i + 8 * j + l], y[yOff + i + 8 * j + l], acc[j][l]);
            }
        }
        float[] v = new float[8];
        for (int l = 0; l < 8; l++) v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
        float result = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
        if (blocked == n) return result;
        double sum = blocked > 0 ? result : 0.0;
        for (int i = blocked; i < n; i++) sum += x[xOff + i] * y[yOff + i];
        return (float) sum;
    }
}
