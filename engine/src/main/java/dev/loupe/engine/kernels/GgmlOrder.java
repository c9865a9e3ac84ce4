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

    /*
     * The loops below fold their four accumulators in ggml's reduction order — lane-wise
     * (a0 + a2) + (a1 + a3), then LaneFolds.adjacentPairs — written out with Vector API calls:
     * a product that inlines the batched and the one-row loops together outgrows C2's node
     * budget, and a fold left out of line would box its vector at every row (see BlockKernel's
     * note on laneDot).
     */

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
            FloatVector t = a0.add(a2).add(a1.add(a3));
            FloatVector h = t.add(t.rearrange(LaneFolds.HALVES));
            FloatVector p = h.add(h.rearrange(LaneFolds.NEIGHBOURS));
            result = p.lane(0) + p.lane(2);
        }
        if (blocked == n) return result;
        double sum = result;
        for (int i = blocked; i < n; i++) sum += x[xOff + i] * y[yOff + i];
        return (float) sum;
    }

    /**
     * Two dot products sharing the left operand — {@code out[0] = x·y0}, {@code out[1] = x·y1} —
     * each in ggml's order. The shared weights are loaded once per block for both: the
     * register-blocked form of {@link #dot} for batched matrix products.
     */
    public static void dot2(float[] x, int xOff, float[] y, int y0Off, int y1Off, int n, float[] out, int o0, int o1) {
        int blocked = n & ~31;
        float r0 = 0f, r1 = 0f;
        if (blocked > 0) {
            FloatVector a0 = FloatVector.zero(S8), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0; i < blocked; i += 32) {
                FloatVector w0 = FloatVector.fromArray(S8, x, xOff + i);
                FloatVector w1 = FloatVector.fromArray(S8, x, xOff + i + 8);
                FloatVector w2 = FloatVector.fromArray(S8, x, xOff + i + 16);
                FloatVector w3 = FloatVector.fromArray(S8, x, xOff + i + 24);
                a0 = w0.fma(FloatVector.fromArray(S8, y, y0Off + i), a0);
                a1 = w1.fma(FloatVector.fromArray(S8, y, y0Off + i + 8), a1);
                a2 = w2.fma(FloatVector.fromArray(S8, y, y0Off + i + 16), a2);
                a3 = w3.fma(FloatVector.fromArray(S8, y, y0Off + i + 24), a3);
                b0 = w0.fma(FloatVector.fromArray(S8, y, y1Off + i), b0);
                b1 = w1.fma(FloatVector.fromArray(S8, y, y1Off + i + 8), b1);
                b2 = w2.fma(FloatVector.fromArray(S8, y, y1Off + i + 16), b2);
                b3 = w3.fma(FloatVector.fromArray(S8, y, y1Off + i + 24), b3);
            }
            FloatVector ta = a0.add(a2).add(a1.add(a3)), tb = b0.add(b2).add(b1.add(b3));
            FloatVector ha = ta.add(ta.rearrange(LaneFolds.HALVES)), hb = tb.add(tb.rearrange(LaneFolds.HALVES));
            FloatVector pa = ha.add(ha.rearrange(LaneFolds.NEIGHBOURS)), pb = hb.add(hb.rearrange(LaneFolds.NEIGHBOURS));
            r0 = pa.lane(0) + pa.lane(2);
            r1 = pb.lane(0) + pb.lane(2);
        }
        if (blocked < n) {
            double s0 = r0, s1 = r1;
            for (int i = blocked; i < n; i++) {
                s0 += x[xOff + i] * y[y0Off + i];
                s1 += x[xOff + i] * y[y1Off + i];
            }
            r0 = (float) s0;
            r1 = (float) s1;
        }
        out[o0] = r0;
        out[o1] = r1;
    }

    /** Weight rows widened at once by the batched float kernels (a cache-sized block). */
    public static final int ROW_BLOCK = 32;
    private static final int BATCH_BLOCK = 32;

    /**
     * {@code out[b * stride + r0 + i] = rows[i] · x[b]} for the {@code n} widened weight rows in
     * {@code rows} and every activation row b, in ggml's order, two activation rows at a time.
     * Activations are walked in blocks so that a block of weights and of activations stays in
     * L2 cache instead of the whole batch streaming from memory once per weight row.
     */
    public static void blockTimesBatch(float[] rows, int n, int cols, float[] x, int batch, float[] out, int r0, int stride) {
        for (int b0 = 0; b0 < batch; b0 += BATCH_BLOCK) {
            int b1 = Math.min(batch, b0 + BATCH_BLOCK);
            for (int i = 0; i < n; i++) {
                int ro = i * cols, r = r0 + i;
                int b = b0;
                for (; b + 1 < b1; b += 2) dot2(rows, ro, x, b * cols, (b + 1) * cols, cols, out, b * stride + r, (b + 1) * stride + r);
                if (b < b1) out[b * stride + r] = dot(rows, ro, x, b * cols, cols);
            }
        }
    }

    /**
     * A float-weight kernel's batched product: widen a block of weight rows once (with the
     * kernel's own dequantization) and reuse it for every activation row (prefill, vision).
     */
    public static void multiplyWidened(WeightKernel kernel, java.lang.foreign.MemorySegment w, int cols, Activations x,
                                       int r0, int r1, float[] out, int outStride) {
        float[] block = Scratch.mine().weights(ROW_BLOCK * cols);
        for (int r = r0; r < r1; r += ROW_BLOCK) {
            int n = Math.min(ROW_BLOCK, r1 - r);
            for (int i = 0; i < n; i++) kernel.dequantizeRow(w, cols, r + i, block, i * cols);
            blockTimesBatch(block, n, cols, x.values(), x.batch(), out, r, outStride);
        }
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
