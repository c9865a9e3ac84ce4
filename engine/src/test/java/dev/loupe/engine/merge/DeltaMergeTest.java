package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;

class DeltaMergeTest {

    /**
     * Δ of exact rank 3 (σ 10, 5, 2 on orthonormal directions), so the spectrum is 10, 5, 2 then zeros:
     * by hand d = |1 − x_i − y_i| peaks at index 3 (the first zero), k = 3, all of Δ is kept and the
     * merge gives back the vision weights. Both orientations (tall and wide) go through the same path.
     */
    @Test
    void deltaOfKnownRankIsKeptWhole() {
        for (int[] shape : new int[][] {{40, 16}, {16, 40}}) {
            int rows = shape[0], cols = shape[1];
            SplittableRandom rnd = new SplittableRandom(7);
            float[] text = gaussian(rnd, rows * cols, 0.1);
            double[] delta = lowRank(rnd, rows, cols, new double[] {10, 5, 2});
            float[] vision = new float[text.length];
            for (int i = 0; i < vision.length; i++) vision[i] = text[i] + (float) delta[i];
            DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
            assertEquals(3, r.k(), "k for " + rows + "x" + cols);
            assertEquals(16, r.rank());
            assertEquals(10, r.singularValues()[0], 1e-5);
            assertEquals(5, r.singularValues()[1], 1e-5);
            assertEquals(2, r.singularValues()[2], 1e-5);
            assertEquals(0, r.singularValues()[3], 1e-3);
            assertEquals(1.0, r.energyKept(), 1e-9);
            for (int i = 0; i < vision.length; i++) assertEquals(vision[i], r.merged()[i], 1e-5, "value " + i);
        }
    }

    /**
     * A strong rank-2 delta under weak full-rank noise: the knee keeps 2 directions, and the merge
     * equals W_text + U_2 Σ_2 V_2ᵀ from EJML's full thin SVD (the Gram route computes no U).
     */
    @Test
    void gramRouteMatchesTheFullSvd() {
        for (int[] shape : new int[][] {{48, 20}, {20, 48}, {24, 24}}) {
            int rows = shape[0], cols = shape[1];
            SplittableRandom rnd = new SplittableRandom(11);
            float[] text = gaussian(rnd, rows * cols, 0.1);
            double[] signal = lowRank(rnd, rows, cols, new double[] {8, 6});
            float[] noise = gaussian(rnd, rows * cols, 0.01);
            float[] vision = new float[text.length];
            for (int i = 0; i < vision.length; i++) vision[i] = text[i] + (float) signal[i] + noise[i];

            DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
            Reference ref = Reference.of(vision, text, rows, cols);
            assertEquals(2, r.k());
            assertEquals(ref.sigma.length, r.singularValues().length);
            for (int i = 0; i < ref.sigma.length; i++) assertEquals(ref.sigma[i], r.singularValues()[i], 1e-9 * ref.sigma[0], "σ" + i);
            float[] expected = ref.merged(text, 2);
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], r.merged()[i], 1e-6, "value " + i);
            // The noise stays out: the merge is nearer to text + signal than vision is.
            double off = 0;
            for (int i = 0; i < expected.length; i++) off = Math.max(off, Math.abs(r.merged()[i] - (text[i] + (float) signal[i])));
            assertTrue(off < 0.02, "merged differs from text + signal by " + off);
        }
    }

    /** When k is over half of r, Δ − Δ V_tail V_tailᵀ is used: the same result as the full SVD's top k. */
    @Test
    void wideKeptSpaceGoesThroughTheTail() {
        int rows = 12, cols = 7;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] text = gaussian(rnd, rows * cols, 0.1);
        // σ 10, 9, 8, 7, 6 then 0.1, 0.05: y ≈ (σ − .05)/9.95, x = i/6, d = |1 − x − y| = 0, .066, .132,
        // .198, .265, .162, 0: the knee is at index 4, k = 4 of r = 7 (the tail has 3).
        double[] big = lowRank(rnd, rows, cols, new double[] {10, 9, 8, 7, 6, 0.1, 0.05});
        float[] vision = new float[text.length];
        for (int i = 0; i < vision.length; i++) vision[i] = text[i] + (float) big[i];
        DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
        assertEquals(4, r.k());
        float[] expected = Reference.of(vision, text, rows, cols).merged(text, 4);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], r.merged()[i], 1e-6, "value " + i);
    }

    /** A vector-shaped matrix (r = 1) is one direction: Δ is kept whole. */
    @Test
    void rankOneMatrixKeepsTheDelta() {
        float[] text = {1, 2, 3, 4};
        float[] vision = {1.5f, 2, 2, 4};
        DeltaMerge.Result r = DeltaMerge.merge(vision, text, 4, 1);
        assertEquals(1, r.k());
        assertArrayEquals(vision, r.merged());
        assertEquals(Math.sqrt(0.25 + 1), r.singularValues()[0], 1e-7);
    }

    static float[] gaussian(SplittableRandom rnd, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (std * rnd.nextGaussian());
        return x;
    }

    /** Σ σ_j u_j v_jᵀ with orthonormal u_j, v_j (QR of Gaussian matrices), row-major rows x cols. */
    static double[] lowRank(SplittableRandom rnd, int rows, int cols, double[] sigma) {
        DMatrixRMaj u = orthonormal(rnd, rows, sigma.length), v = orthonormal(rnd, cols, sigma.length);
        double[] out = new double[rows * cols];
        for (int j = 0; j < sigma.length; j++) {
            for (int a = 0; a < rows; a++) for (int b = 0; b < cols; b++) out[a * cols + b] += sigma[j] * u.get(a, j) * v.get(b, j);
        }
        return out;
    }

    static DMatrixRMaj orthonormal(SplittableRandom rnd, int n, int k) {
        DMatrixRMaj g = new DMatrixRMaj(n, k);
        for (int i = 0; i < g.data.length; i++) g.data[i] = rnd.nextGaussian();
        var qr = DecompositionFactory_DDRM.qr(n, k);
        qr.decompose(g);
        return qr.getQ(null, true);
    }

    /** The method as written: full thin SVD (U, Σ, V) of Δ in EJML, sorted descending. */
    record Reference(DMatrixRMaj u, double[] sigma, DMatrixRMaj v, int rows, int cols) {
        static Reference of(float[] vision, float[] text, int rows, int cols) {
            DMatrixRMaj d = new DMatrixRMaj(rows, cols);
            for (int i = 0; i < d.data.length; i++) d.data[i] = vision[i] - text[i];
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, true, true, true);
            assertTrue(svd.decompose(d));
            DMatrixRMaj u = svd.getU(null, false), w = svd.getW(null), v = svd.getV(null, false);
            SingularOps_DDRM.descendingOrder(u, false, w, v, false);
            int r = Math.min(rows, cols);
            double[] sigma = new double[r];
            for (int i = 0; i < r; i++) sigma[i] = w.get(i, i);
            return new Reference(u, sigma, v, rows, cols);
        }

        float[] merged(float[] text, int k) {
            DMatrixRMaj clean = new DMatrixRMaj(rows, cols);
            for (int j = 0; j < k; j++) {
                for (int a = 0; a < rows; a++) for (int b = 0; b < cols; b++) clean.add(a, b, sigma[j] * u.get(a, j) * v.get(b, j));
            }
            float[] out = new float[rows * cols];
            for (int i = 0; i < out.length; i++) out[i] = text[i] + (float) clean.data[i];
            return out;
        }
    }
}
