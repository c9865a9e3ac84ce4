package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked F32 matrix product of {@link Numerics#FAST}: {@code C = A · Wᵀ} where
 * W's rows have been widened to F32 and packed into panels of {@link #PANEL} columns,
 * k-major ({@code panel[k * PANEL + j] = W[j][k]}). A micro-tile of 4 rows of A by one panel
 * keeps 12 vector accumulators in registers: per k, three panel vectors and four broadcast
 * values of A feed 12 FMAs — the shape that runs at the FMA peak on AVX2 and AVX-512 alike,
 * where a dot-product formulation (ggml's) spends most of its time on loads and reductions.
 *
 * <p>Every output element is one sequential FMA chain over the shared dimension, starting
 * from zero: {@code acc = fma(a[k], w[k], acc)} for k = 0, 1, … Blocking (tiles of rows,
 * panels, blocks of k, threads) decides only which elements are computed side by side,
 * never an element's chain. So a row's result does not depend on the rows batched with it
 * nor on the thread count, and a scalar {@link Math#fma} loop reproduces it bit for bit —
 * which is what the tests check.
 */
public final class PackedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns (W rows) per packed panel: three vectors of the preferred species. */
    public static final int PANEL = 3 * L;
    /**
     * Shared-dimension values per pass of a 4-row tile over a panel: a slice of 24 KB (128 on
     * AVX-512, 256 on AVX2), which stays in L1 beside the rows' activations while the tile
     * reads it k by k. Slices of 512 (96 KB on AVX-512) came from L2: a 64-row Q4_K prompt
     * product ran at half the FMA peak, 109 against 140 GFLOP/s per core with 128. A chain
     * continues across slices, so the size changes no float. {@code -Dloupe.depthBlock=N}
     * overrides it, for measuring other machines' caches.
     */
    /** Whether tile4 runs four values of k per pass (32 vector registers) or two (16). */
    private static final boolean FOUR_STEPS = L >= 16;
    static final int DEPTH_BLOCK = Integer.getInteger("loupe.depthBlock", 6144 / PANEL);
    /** The thread's full-width tile for a narrow panel (see multiplyBlock). */
    private static final ThreadLocal<float[]> NARROW = ThreadLocal.withInitial(() -> new float[4 * PANEL]);

    private PackedGemm() {}

    /** Floats a packed panel of {@code depth} takes. */
    public static int panelSize(int depth) {
        return depth * PANEL;
    }

    /**
     * Packs {@code count <= PANEL} rows of {@code depth} values, row j at
     * {@code src[srcOff + j * rowStride]}, as one panel at {@code panel[panelOff]}; columns
     * past {@code count} are zero.
     */
    public static void packRows(float[] src, int srcOff, int rowStride, int count, int depth, float[] panel, int panelOff) {
        if (count > PANEL) throw new IllegalArgumentException(count + " rows for a panel of " + PANEL);
        for (int j = 0; j < PANEL; j++) {
            if (j < count) {
                int o = srcOff + j * rowStride;
                for (int k = 0, p = panelOff + j; k < depth; k++, p += PANEL) panel[p] = src[o + k];
            } else {
                for (int k = 0, p = panelOff + j; k < depth; k++, p += PANEL) panel[p] = 0f;
            }
        }
    }

    /**
     * Packs {@code count <= PANEL} columns of a row-major matrix as one panel: column j of row
     * k is {@code src[srcOff + k * rowStride + j]} (the right-hand side of {@code P · V}, where
     * the panel's "rows" are V's columns), at {@code panel[panelOff]}.
     */
    public static void packColumns(float[] src, int srcOff, int rowStride, int count, int depth, float[] panel, int panelOff) {
        if (count > PANEL) throw new IllegalArgumentException(count + " columns for a panel of " + PANEL);
        for (int k = 0; k < depth; k++) {
            int p = panelOff + k * PANEL;
            System.arraycopy(src, srcOff + k * rowStride, panel, p, count);
            if (count < PANEL) java.util.Arrays.fill(panel, p + count, p + PANEL, 0f);
        }
    }

    /**
     * {@code c[cOff + i * ldc + j] = Σ_k a[aOff + i * lda + k] · panel[panelOff + k * PANEL + j]}
     * for {@code i < m}, {@code j < n <= PANEL}; columns of c past n are not touched.
     */
    public static void multiply(float[] a, int aOff, int lda, int m, float[] panel, int panelOff, int depth, int n,
                                float[] c, int cOff, int ldc) {
        for (int k0 = 0; k0 < depth; k0 += DEPTH_BLOCK) {
            multiplyBlock(a, aOff, lda, m, panel, panelOff, k0, Math.min(depth, k0 + DEPTH_BLOCK), n, c, cOff, ldc);
        }
    }

    /**
     * {@link #multiply} over the shared dimension's values [k0, k1) only ({@code panel[panelOff
     * + k * PANEL + j]} for k in that range), continuing the chains stored in c unless k0 is 0:
     * for a caller that forms its panel a block at a time (from 8-bit codes: {@link Int8Panels}).
     */
    static void multiplyBlock(float[] a, int aOff, int lda, int m, float[] panel, int panelOff, int k0, int k1, int n,
                              float[] c, int cOff, int ldc) {
        if (n > PANEL) throw new IllegalArgumentException(n + " columns for a panel of " + PANEL);
        // A narrow panel computes into a full-width scratch tile and copies its n columns out:
        // plain vector loads and stores only (masked ones are not intrinsified everywhere).
        float[] scratch = n == PANEL ? null : NARROW.get();
        boolean first = k0 == 0;
        for (int i = 0; i < m; i += 4) {
            // The last one to three rows run the 4-row tile as well, their last row repeated (a
            // repeated row computes and stores its own chain twice: the same floats). One tile for
            // every row count, so that a decode step's lone row runs the code prefill and the
            // encoder compiled first: a one-row tile first compiled after them came out boxed
            // under C2 (Qwen3-VL-4B Q4_K_M decode 0.4 instead of 3.6 tokens/s, AVX-512).
            int last = Math.min(4, m - i) - 1;
            int a0 = aOff + i * lda, a1 = aOff + (i + Math.min(1, last)) * lda;
            int a2 = aOff + (i + Math.min(2, last)) * lda, a3 = aOff + (i + last) * lda;
            if (scratch == null) {
                int c0 = cOff + i * ldc;
                for (int r = 0; r <= last && first; r++) java.util.Arrays.fill(c, c0 + r * ldc, c0 + r * ldc + PANEL, 0f);
                tile4(a, a0, a1, a2, a3, panel, panelOff, k0, k1, c, c0, cOff + (i + Math.min(1, last)) * ldc,
                        cOff + (i + Math.min(2, last)) * ldc, cOff + (i + last) * ldc);
            } else {
                for (int r = 0; r <= last; r++) {
                    if (first) java.util.Arrays.fill(scratch, r * PANEL, (r + 1) * PANEL, 0f);
                    else System.arraycopy(c, cOff + (i + r) * ldc, scratch, r * PANEL, n);
                }
                tile4(a, a0, a1, a2, a3, panel, panelOff, k0, k1, scratch, 0, Math.min(1, last) * PANEL, Math.min(2, last) * PANEL,
                        last * PANEL);
                for (int r = 0; r <= last; r++) System.arraycopy(scratch, r * PANEL, c, cOff + (i + r) * ldc, n);
            }
        }
    }

    /**
     * Four rows of A (at a0..a3) against one panel, k in [k0, k1), into rows c0..c3 of c,
     * continuing the chains stored there (a caller starting them writes zeros first). No branch
     * on whether the chains start here: one taken only by the encoder's products (blocks after
     * the first) trapped the tile's compiled code at the first image after a model's prompts,
     * and it ran C1's boxed vectors until recompiled (a Qwen3-VL-4B encoder pass 5.6 -> 10-23 s).
     */
    private static void tile4(float[] a, int a0, int a1, int a2, int a3, float[] p, int pOff, int k0, int k1,
                              float[] c, int c0, int c1, int c2, int c3) {
        FloatVector x00 = FloatVector.fromArray(S, c, c0), x01 = FloatVector.fromArray(S, c, c0 + L), x02 = FloatVector.fromArray(S, c, c0 + 2 * L);
        FloatVector x10 = FloatVector.fromArray(S, c, c1), x11 = FloatVector.fromArray(S, c, c1 + L), x12 = FloatVector.fromArray(S, c, c1 + 2 * L);
        FloatVector x20 = FloatVector.fromArray(S, c, c2), x21 = FloatVector.fromArray(S, c, c2 + L), x22 = FloatVector.fromArray(S, c, c2 + 2 * L);
        FloatVector x30 = FloatVector.fromArray(S, c, c3), x31 = FloatVector.fromArray(S, c, c3 + L), x32 = FloatVector.fromArray(S, c, c3 + 2 * L);
        // Several values of k per pass, written out: C2 does not unroll this loop itself, and
        // the address arithmetic of a one-step body (~14 integer operations per 12 FMAs) lands
        // partly on the ports the FMAs issue on (0 and 5 on AVX-512 cores, 0 and 1 on AVX2
        // ones); in a longer body the offsets become displacements of the same registers.
        // Four steps on 32 vector registers, two on 16 (four there spill accumulators: C2
        // schedules later steps' loads early). Measured, one thread, 1024 x 768 by 768:
        // 125 -> 182 GFLOP/s on AVX-512 (peak 229), 64 -> 102 on AVX2 (peak 114).
        // (The conditions stay "k + n < k1": written as a counted loop over passes, C2 hoists
        // all twelve panel loads of a pass to its top and spills accumulators: 153 and 66.)
        int k = k0, po = pOff + k0 * PANEL;
        FloatVector w0, w1, w2, v;
        if (FOUR_STEPS) {
            for (; k + 3 < k1; k += 4, po += 4 * PANEL) {
                w0 = FloatVector.fromArray(S, p, po);
                w1 = FloatVector.fromArray(S, p, po + L);
                w2 = FloatVector.fromArray(S, p, po + 2 * L);
                v = FloatVector.broadcast(S, a[a0 + k]);
                x00 = v.fma(w0, x00);
                x01 = v.fma(w1, x01);
                x02 = v.fma(w2, x02);
                v = FloatVector.broadcast(S, a[a1 + k]);
                x10 = v.fma(w0, x10);
                x11 = v.fma(w1, x11);
                x12 = v.fma(w2, x12);
                v = FloatVector.broadcast(S, a[a2 + k]);
                x20 = v.fma(w0, x20);
                x21 = v.fma(w1, x21);
                x22 = v.fma(w2, x22);
                v = FloatVector.broadcast(S, a[a3 + k]);
                x30 = v.fma(w0, x30);
                x31 = v.fma(w1, x31);
                x32 = v.fma(w2, x32);
                w0 = FloatVector.fromArray(S, p, po + PANEL);
                w1 = FloatVector.fromArray(S, p, po + PANEL + L);
                w2 = FloatVector.fromArray(S, p, po + PANEL + 2 * L);
                v = FloatVector.broadcast(S, a[a0 + k + 1]);
                x00 = v.fma(w0, x00);
                x01 = v.fma(w1, x01);
                x02 = v.fma(w2, x02);
                v = FloatVector.broadcast(S, a[a1 + k + 1]);
                x10 = v.fma(w0, x10);
                x11 = v.fma(w1, x11);
                x12 = v.fma(w2, x12);
                v = FloatVector.broadcast(S, a[a2 + k + 1]);
                x20 = v.fma(w0, x20);
                x21 = v.fma(w1, x21);
                x22 = v.fma(w2, x22);
                v = FloatVector.broadcast(S, a[a3 + k + 1]);
                x30 = v.fma(w0, x30);
                x31 = v.fma(w1, x31);
                x32 = v.fma(w2, x32);
                w0 = FloatVector.fromArray(S, p, po + 2 * PANEL);
                w1 = FloatVector.fromArray(S, p, po + 2 * PANEL + L);
                w2 = FloatVector.fromArray(S, p, po + 2 * PANEL + 2 * L);
                v = FloatVector.broadcast(S, a[a0 + k + 2]);
                x00 = v.fma(w0, x00);
                x01 = v.fma(w1, x01);
                x02 = v.fma(w2, x02);
                v = FloatVector.broadcast(S, a[a1 + k + 2]);
                x10 = v.fma(w0, x10);
                x11 = v.fma(w1, x11);
                x12 = v.fma(w2, x12);
                v = FloatVector.broadcast(S, a[a2 + k + 2]);
                x20 = v.fma(w0, x20);
                x21 = v.fma(w1, x21);
                x22 = v.fma(w2, x22);
                v = FloatVector.broadcast(S, a[a3 + k + 2]);
                x30 = v.fma(w0, x30);
                x31 = v.fma(w1, x31);
                x32 = v.fma(w2, x32);
                w0 = FloatVector.fromArray(S, p, po + 3 * PANEL);
                w1 = FloatVector.fromArray(S, p, po + 3 * PANEL + L);
                w2 = FloatVector.fromArray(S, p, po + 3 * PANEL + 2 * L);
                v = FloatVector.broadcast(S, a[a0 + k + 3]);
                x00 = v.fma(w0, x00);
                x01 = v.fma(w1, x01);
                x02 = v.fma(w2, x02);
                v = FloatVector.broadcast(S, a[a1 + k + 3]);
                x10 = v.fma(w0, x10);
                x11 = v.fma(w1, x11);
                x12 = v.fma(w2, x12);
                v = FloatVector.broadcast(S, a[a2 + k + 3]);
                x20 = v.fma(w0, x20);
                x21 = v.fma(w1, x21);
                x22 = v.fma(w2, x22);
                v = FloatVector.broadcast(S, a[a3 + k + 3]);
                x30 = v.fma(w0, x30);
                x31 = v.fma(w1, x31);
                x32 = v.fma(w2, x32);
            }
        }
        for (; k + 1 < k1; k += 2, po += 2 * PANEL) {
            w0 = FloatVector.fromArray(S, p, po);
            w1 = FloatVector.fromArray(S, p, po + L);
            w2 = FloatVector.fromArray(S, p, po + 2 * L);
            v = FloatVector.broadcast(S, a[a0 + k]);
            x00 = v.fma(w0, x00);
            x01 = v.fma(w1, x01);
            x02 = v.fma(w2, x02);
            v = FloatVector.broadcast(S, a[a1 + k]);
            x10 = v.fma(w0, x10);
            x11 = v.fma(w1, x11);
            x12 = v.fma(w2, x12);
            v = FloatVector.broadcast(S, a[a2 + k]);
            x20 = v.fma(w0, x20);
            x21 = v.fma(w1, x21);
            x22 = v.fma(w2, x22);
            v = FloatVector.broadcast(S, a[a3 + k]);
            x30 = v.fma(w0, x30);
            x31 = v.fma(w1, x31);
            x32 = v.fma(w2, x32);
            w0 = FloatVector.fromArray(S, p, po + PANEL);
            w1 = FloatVector.fromArray(S, p, po + PANEL + L);
            w2 = FloatVector.fromArray(S, p, po + PANEL + 2 * L);
            v = FloatVector.broadcast(S, a[a0 + k + 1]);
            x00 = v.fma(w0, x00);
            x01 = v.fma(w1, x01);
            x02 = v.fma(w2, x02);
            v = FloatVector.broadcast(S, a[a1 + k + 1]);
            x10 = v.fma(w0, x10);
            x11 = v.fma(w1, x11);
            x12 = v.fma(w2, x12);
            v = FloatVector.broadcast(S, a[a2 + k + 1]);
            x20 = v.fma(w0, x20);
            x21 = v.fma(w1, x21);
            x22 = v.fma(w2, x22);
            v = FloatVector.broadcast(S, a[a3 + k + 1]);
            x30 = v.fma(w0, x30);
            x31 = v.fma(w1, x31);
            x32 = v.fma(w2, x32);
        }
        for (; k < k1; k++, po += PANEL) {
            w0 = FloatVector.fromArray(S, p, po);
            w1 = FloatVector.fromArray(S, p, po + L);
            w2 = FloatVector.fromArray(S, p, po + 2 * L);
            v = FloatVector.broadcast(S, a[a0 + k]);
            x00 = v.fma(w0, x00);
            x01 = v.fma(w1, x01);
            x02 = v.fma(w2, x02);
            v = FloatVector.broadcast(S, a[a1 + k]);
            x10 = v.fma(w0, x10);
            x11 = v.fma(w1, x11);
            x12 = v.fma(w2, x12);
            v = FloatVector.broadcast(S, a[a2 + k]);
            x20 = v.fma(w0, x20);
            x21 = v.fma(w1, x21);
            x22 = v.fma(w2, x22);
            v = FloatVector.broadcast(S, a[a3 + k]);
            x30 = v.fma(w0, x30);
            x31 = v.fma(w1, x31);
            x32 = v.fma(w2, x32);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + L);
        x02.intoArray(c, c0 + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + L);
        x32.intoArray(c, c3 + 2 * L);
    }

    /** The reference every element of {@link #multiply} equals bit for bit: one FMA chain from zero. */
    public static float chain(float[] a, int aOff, float[] w, int wOff, int wStride, int depth) {
        float acc = 0f;
        for (int k = 0; k < depth; k++) acc = Math.fma(a[aOff + k], w[wOff + k * wStride], acc);
        return acc;
    }
}
