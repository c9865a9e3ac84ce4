package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and row-wise operations of the decoder and encoder graphs, each written to
 * round where ggml's CPU backend rounds (sums of squares in double, scales in float).
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** {@link GgmlExp#vexpInPlace}'s width: eight lanes on every machine. */
    private static final VectorSpecies<Float> EXP_LANES = FloatVector.SPECIES_256;

    private VectorMath() {}

    /** ggml_rms_norm then the weight: y = x / sqrt(mean(x^2) + eps) * w, per row of n. */
    public static void rmsNorm(float[] x, int xOff, float[] w, float eps, float[] y, int yOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) y[yOff + i] = (x[xOff + i] * scale) * w[i];
    }

    /**
     * ggml_norm then weight and bias. As ggml: the mean is the float sum (accumulated in
     * double) divided in float; the variance sums squares in groups of 8 folded
     * ((0+4)+(2+6)) + ((1+5)+(3+7)) and added in double ({@code ggml_vec_cvar_f32}).
     */
    public static void layerNorm(float[] x, int xOff, float[] w, float[] b, float eps, float[] y, int yOff, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) total += x[xOff + i];
        float mean = (float) total / n;
        double sum2 = 0;
        int i = 0;
        for (; i + 7 < n; i += 8) {
            int o = yOff + i;
            for (int j = 0; j < 8; j++) y[o + j] = x[xOff + i + j] - mean;
            float s0 = y[o] * y[o], s1 = y[o + 1] * y[o + 1], s2 = y[o + 2] * y[o + 2], s3 = y[o + 3] * y[o + 3];
            float s4 = y[o + 4] * y[o + 4], s5 = y[o + 5] * y[o + 5], s6 = y[o + 6] * y[o + 6], s7 = y[o + 7] * y[o + 7];
            sum2 += ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
        }
        for (; i < n; i++) {
            float v = x[xOff + i] - mean;
            y[yOff + i] = v;
            sum2 += v * v;
        }
        float variance = (float) (sum2 / n);
        float scale = 1.0f / (float) Math.sqrt(variance + eps);
        for (int k = 0; k < n; k++) {
            float v = y[yOff + k] * scale;
            v = v * w[k];
            y[yOff + k] = b == null ? v : v + b[k];
        }
    }

    /** a[i] += b[i]. */
    public static void addInPlace(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) a[aOff + i] += b[bOff + i];
    }

    /** x[i] *= factor. */
    public static void scale(float[] x, int off, int n, float factor) {
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += S.length()) FloatVector.fromArray(S, x, off + i).mul(factor).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= factor;
    }

    /** Index of the largest value; ties go to the lowest index (llama.cpp's greedy rule). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bestValue = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bestValue) {
                bestValue = x[off + i];
                best = i;
            }
        }
        return best;
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += S.length()) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /**
     * log(sum(exp(x))) over n values: the normaliser of a softmax, so a token's log-probability is
     * its logit minus this. The maximum is taken out first so no exp overflows.
     *
     * <p>Deterministic on purpose: the exponentials are {@link GgmlExp#vexpInPlace}'s fused multiply-adds
     * (the Vector API's {@code lanewise(EXP)} and {@code reduceLanes(ADD)} give results an ulp
     * apart depending on whether C2 has compiled the caller yet), eight lanes at a time on any
     * machine, and the lanes folded in a fixed order ({@link LaneFolds#evenOdd}). A token's log-probability is then the
     * same in every JVM, batch and tier: {@link #logSumExpInOrder} is the scalar rendering.
     */
    public static double logSumExp(float[] x, int off, int n) {
        float max = max(x, off, n);
        if (max == Float.NEGATIVE_INFINITY) return max;
        FloatVector acc = FloatVector.zero(EXP_LANES);
        int upper = EXP_LANES.loopBound(n);
        // Chunk by chunk through the thread's scratch: x - max, its exponentials, into the lanes.
        float[] e = GgmlExp.scratch();
        for (int c0 = 0; c0 < upper; c0 += GgmlExp.CHUNK) {
            int len = Math.min(GgmlExp.CHUNK, upper - c0);
            for (int k = 0; k < len; k += EXP_LANES.length()) FloatVector.fromArray(EXP_LANES, x, off + c0 + k).sub(max).intoArray(e, k);
            GgmlExp.vexpInPlace(e, 0, len);
            for (int k = 0; k < len; k += EXP_LANES.length()) acc = acc.add(FloatVector.fromArray(EXP_LANES, e, k));
        }
        double sum = LaneFolds.evenOdd(acc);
        for (int i = upper; i < n; i++) sum += GgmlExp.vexp(x[off + i] - max);
        return max + Math.log(sum);
    }

    /** {@link #logSumExp}'s operations one value at a time, in the same order: its reference. */
    static double logSumExpInOrder(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        if (max == Float.NEGATIVE_INFINITY) return max;
        int lanes = EXP_LANES.length();
        int upper = n - n % lanes;
        float[] acc = new float[lanes];
        for (int i = 0; i < upper; i++) acc[i % lanes] += GgmlExp.vexp(x[off + i] - max);
        double sum = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
        for (int i = upper; i < n; i++) sum += GgmlExp.vexp(x[off + i] - max);
        return max + Math.log(sum);
    }

    /** The largest of n values (MAX is exact, so any lane order gives the same answer). */
    private static float max(float[] x, int off, int n) {
        int i = 0;
        int upper = S.loopBound(n);
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < upper; i += S.length()) m = m.max(FloatVector.fromArray(S, x, off + i));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        return max;
    }
}
