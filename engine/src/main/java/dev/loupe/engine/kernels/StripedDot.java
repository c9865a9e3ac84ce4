package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The dot product of {@link Numerics#FAST} decode steps: {@value #STRIPES} interleaved FMA
 * chains, folded in one fixed tree. Stripe {@code j} sums {@code w[k] * x[k]} for every
 * {@code k ≡ j (mod 32)}, in increasing {@code k}, one {@link Math#fma} each, starting from
 * zero; the stripes {@code p} are then added pairwise: {@code p[j] + p[j + 16]}, then the 16
 * results' {@code [j] + [j + 8]}, then {@code [j] + [j + 4]}, {@code [j] + [j + 2]},
 * {@code [0] + [1]}.
 *
 * <p>The definition names no vector width, batch or thread: two 16-lane or four 8-lane
 * accumulators hold the same 32 stripes, and a weight row multiplied with one activation row
 * or with fifteen gives each exactly the same float. That is what lets a decode step run for
 * many sequences at once — the weight row widened once and reused from L1 for every sequence,
 * one FMA per value and sequence — while each sequence's tokens stay those it gets alone.
 * Thirty-two independent chains also keep a single row's loop off the FMA latency.
 *
 * <p>The fold of vector accumulators is written out with Vector API calls wherever a kernel's
 * row loop ends in one, for the reason BlockKernel gives in its note on laneDot: a method of
 * ours taking vectors that C2 leaves out of line boxes them. Two 16-lane accumulators fold by
 * adding them, then rotating by {@link #UPPER8}, {@link #UPPER4}, {@link #UPPER2} and adding
 * each time, then lanes 0 and 1; four 8-lane ones as {@code (a0 + a2) + (a1 + a3)}, then
 * ggml's {@link LaneFolds#evenOdd} fold — both exactly {@link #fold(float[])}'s tree.
 */
public final class StripedDot {
    /** Independent FMA chains per dot product. */
    public static final int STRIPES = 32;

    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    /** 512-bit vectors are native here: two accumulators per dot product, else four 256-bit ones. */
    static final boolean WIDE = FloatVector.SPECIES_PREFERRED.length() >= 16;
    /** The 16-lane fold's rotations; kernels that write the fold out use them too. */
    static final VectorShuffle<Float> UPPER8 = VectorShuffle.fromOp(S16, i -> (i + 8) & 15);
    static final VectorShuffle<Float> UPPER4 = VectorShuffle.fromOp(S16, i -> (i + 4) & 15);
    static final VectorShuffle<Float> UPPER2 = VectorShuffle.fromOp(S16, i -> (i + 2) & 15);

    private StripedDot() {}

    /**
     * {@code out[b * outStride + r] = dot(w, x_b)} for the {@code batch} activation rows of
     * {@code x} ({@code cols} values each, row-major): four rows per pass over the weights.
     */
    public static void multiplyRow(float[] w, float[] x, int batch, int cols, float[] out, int r, int outStride) {
        int b = 0;
        if (WIDE && cols % STRIPES == 0) {
            for (; b + 4 <= batch; b += 4) dot4Wide(w, x, b * cols, cols, out, b * outStride + r, outStride);
        }
        for (; b < batch; b++) out[b * outStride + r] = dot(w, 0, x, b * cols, cols);
    }

    /** The striped dot product of {@code n} values of {@code w} and {@code x}. */
    public static float dot(float[] w, int wo, float[] x, int xo, int n) {
        return WIDE ? dotWide(w, wo, x, xo, n) : dotNarrow(w, wo, x, xo, n);
    }

    static float dotWide(float[] w, int wo, float[] x, int xo, int n) {
        int full = n - n % STRIPES;
        FloatVector a0 = FloatVector.zero(S16), a1 = a0;
        for (int k = 0; k < full; k += STRIPES) {
            a0 = FloatVector.fromArray(S16, w, wo + k).fma(FloatVector.fromArray(S16, x, xo + k), a0);
            a1 = FloatVector.fromArray(S16, w, wo + k + 16).fma(FloatVector.fromArray(S16, x, xo + k + 16), a1);
        }
        if (full == n) {
            FloatVector f = a0.add(a1);
            f = f.add(f.rearrange(UPPER8));
            f = f.add(f.rearrange(UPPER4));
            f = f.add(f.rearrange(UPPER2));
            return f.lane(0) + f.lane(1);
        }
        float[] p = new float[STRIPES];
        a0.intoArray(p, 0);
        a1.intoArray(p, 16);
        return tail(p, w, wo, x, xo, full, n);
    }

    static float dotNarrow(float[] w, int wo, float[] x, int xo, int n) {
        int full = n - n % STRIPES;
        FloatVector a0 = FloatVector.zero(S8), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < full; k += STRIPES) {
            a0 = FloatVector.fromArray(S8, w, wo + k).fma(FloatVector.fromArray(S8, x, xo + k), a0);
            a1 = FloatVector.fromArray(S8, w, wo + k + 8).fma(FloatVector.fromArray(S8, x, xo + k + 8), a1);
            a2 = FloatVector.fromArray(S8, w, wo + k + 16).fma(FloatVector.fromArray(S8, x, xo + k + 16), a2);
            a3 = FloatVector.fromArray(S8, w, wo + k + 24).fma(FloatVector.fromArray(S8, x, xo + k + 24), a3);
        }
        if (full == n) {
            FloatVector t = a0.add(a2).add(a1.add(a3));
            FloatVector h = t.add(t.rearrange(LaneFolds.HALVES));
            FloatVector q = h.add(h.rearrange(LaneFolds.PAIRS));
            return q.lane(0) + q.lane(1);
        }
        float[] p = new float[STRIPES];
        a0.intoArray(p, 0);
        a1.intoArray(p, 8);
        a2.intoArray(p, 16);
        a3.intoArray(p, 24);
        return tail(p, w, wo, x, xo, full, n);
    }

    /**
     * Four activation rows (at {@code xo}, {@code xo + cols}, ...) against one weight row whose
     * length is a multiple of {@value #STRIPES}: each weight vector loaded once for the four,
     * eight independent chains. Every row's operations are {@link #dotWide}'s, in its order.
     */
    private static void dot4Wide(float[] w, float[] x, int xo, int cols, float[] out, int o, int outStride) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector z = FloatVector.zero(S16), a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        for (int k = 0; k < cols; k += STRIPES) {
            FloatVector lo = FloatVector.fromArray(S16, w, k), hi = FloatVector.fromArray(S16, w, k + 16);
            a0 = lo.fma(FloatVector.fromArray(S16, x, xo + k), a0);
            b0 = hi.fma(FloatVector.fromArray(S16, x, xo + k + 16), b0);
            a1 = lo.fma(FloatVector.fromArray(S16, x, x1 + k), a1);
            b1 = hi.fma(FloatVector.fromArray(S16, x, x1 + k + 16), b1);
            a2 = lo.fma(FloatVector.fromArray(S16, x, x2 + k), a2);
            b2 = hi.fma(FloatVector.fromArray(S16, x, x2 + k + 16), b2);
            a3 = lo.fma(FloatVector.fromArray(S16, x, x3 + k), a3);
            b3 = hi.fma(FloatVector.fromArray(S16, x, x3 + k + 16), b3);
        }
        FloatVector f0 = a0.add(b0), f1 = a1.add(b1), f2 = a2.add(b2), f3 = a3.add(b3);
        f0 = f0.add(f0.rearrange(UPPER8));
        f1 = f1.add(f1.rearrange(UPPER8));
        f2 = f2.add(f2.rearrange(UPPER8));
        f3 = f3.add(f3.rearrange(UPPER8));
        f0 = f0.add(f0.rearrange(UPPER4));
        f1 = f1.add(f1.rearrange(UPPER4));
        f2 = f2.add(f2.rearrange(UPPER4));
        f3 = f3.add(f3.rearrange(UPPER4));
        f0 = f0.add(f0.rearrange(UPPER2));
        f1 = f1.add(f1.rearrange(UPPER2));
        f2 = f2.add(f2.rearrange(UPPER2));
        f3 = f3.add(f3.rearrange(UPPER2));
        out[o] = f0.lane(0) + f0.lane(1);
        out[o + outStride] = f1.lane(0) + f1.lane(1);
        out[o + 2 * outStride] = f2.lane(0) + f2.lane(1);
        out[o + 3 * outStride] = f3.lane(0) + f3.lane(1);
    }

    /** The stripes {@code p}, the last values {@code full..n} added to their stripes, folded. */
    private static float tail(float[] p, float[] w, int wo, float[] x, int xo, int full, int n) {
        for (int k = full; k < n; k++) p[k % STRIPES] = Math.fma(w[wo + k], x[xo + k], p[k % STRIPES]);
        return fold(p);
    }

    /** The fixed tree over 32 stripes. */
    static float fold(float[] p) {
        float[] s = new float[16];
        for (int j = 0; j < 16; j++) s[j] = p[j] + p[j + 16];
        for (int j = 0; j < 8; j++) s[j] = s[j] + s[j + 8];
        for (int j = 0; j < 4; j++) s[j] = s[j] + s[j + 4];
        for (int j = 0; j < 2; j++) s[j] = s[j] + s[j + 2];
        return s[0] + s[1];
    }

    /** The scalar twin: the definition, one value at a time. */
    static float reference(float[] w, int wo, float[] x, int xo, int n) {
        float[] p = new float[STRIPES];
        for (int k = 0; k < n; k++) p[k % STRIPES] = Math.fma(w[wo + k], x[xo + k], p[k % STRIPES]);
        return fold(p);
    }
}
