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

    /**
     * A repeated top value: σ 10, 10, 10 over a flat 0.5 floor (r = 12). By hand y = 1, 1, 1, 0, …,
     * x_i = i/11, d = |1 − x − y| = 0, 1/11, 2/11, 8/11, … so k = 3 keeps the whole repeated
     * triple, and the kept part is the full SVD's. (Δ's float32 rounding splits the triple by
     * ~1e-7 relative, a tight cluster in a dense T; the next test repeats values exactly.)
     */
    @Test
    void repeatedKeptValuesGiveTheirWholeSubspace() {
        double[] sigma = new double[12];
        java.util.Arrays.fill(sigma, 0.5);
        sigma[0] = sigma[1] = sigma[2] = 10;
        assertMatchesTheFullSvd(30, 12, sigma, 3, 5);
        assertMatchesTheFullSvd(12, 30, sigma, 3, 6);
    }

    /**
     * Exactly repeated σ: Δ holds 10 at three scattered (row, column) places and 0.5 at nine
     * others, no two in a row or column, on text weights in 1/64 steps so vision − text is exact.
     * Its Gram matrix is diagonal (100 three times, 0.25 nine times), T is that diagonal with zero
     * couplings, and the three shifts at 100 give nearly the same vector until they are
     * reorthogonalised. σ 10, 10, 10 over a 0.5 floor gives k = 3 (as above), and the merge must
     * add exactly the three 10s: checked by hand and against the full SVD.
     */
    @Test
    void exactlyRepeatedValuesAreKeptAsTheirWholeSubspace() {
        int rows = 30, cols = 12;
        SplittableRandom rnd = new SplittableRandom(13);
        float[] text = new float[rows * cols];
        for (int i = 0; i < text.length; i++) text[i] = (rnd.nextInt(129) - 64) / 64f;
        float[] vision = text.clone();
        float[] expected = text.clone();
        int[] rowOf = {17, 3, 25, 0, 9, 11, 29, 6, 14, 21, 2, 27}, colOf = {5, 0, 9, 1, 2, 3, 4, 6, 7, 8, 10, 11};
        for (int j = 0; j < 12; j++) {
            float value = j < 3 ? 10 : 0.5f;
            vision[rowOf[j] * cols + colOf[j]] += value;
            if (j < 3) expected[rowOf[j] * cols + colOf[j]] += value;
        }
        DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
        assertEquals(3, r.k());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], r.merged()[i], 1e-6, "value " + i);
        float[] reference = Reference.of(vision, text, rows, cols).merged(text, 3);
        for (int i = 0; i < expected.length; i++) assertEquals(reference[i], r.merged()[i], 1e-6, "value " + i + " against the full SVD");
    }

    /**
     * The tail route through a cluster of zeros: σ 5, 4.9, …, 4.4 then three zeros (r = 10).
     * By hand y = σ/5, x = i/9, d = |1 − x − y| peaks at index 6 (0.547; index 7 gives 0.222),
     * so k = 6 and the tail of 4 (4.4 and the zero triple) is computed instead of the top 6.
     */
    @Test
    void tailWithRepeatedZerosGoesThroughTheTail() {
        assertMatchesTheFullSvd(20, 10, new double[] {5, 4.9, 4.8, 4.7, 4.6, 4.5, 4.4, 0, 0, 0}, 6, 8);
    }

    /** One dominant direction over a slow floor: d peaks at index 1, k = 1 (one vector, the top one). */
    @Test
    void singleDominantDirectionKeepsOne() {
        assertMatchesTheFullSvd(25, 14, new double[] {10, 1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4}, 1, 9);
    }

    /**
     * A knee in the middle, k = r/2 (the widest top route): σ 10, 9.9, …, 9.4 then 0.3 … 0.1
     * (r = 12). By hand d = 0.404, 0.485, 0.343 at indices 5, 6, 7, so k = 6 = r − k.
     */
    @Test
    void kneeInTheMiddleKeepsHalf() {
        assertMatchesTheFullSvd(40, 12, new double[] {10, 9.9, 9.8, 9.7, 9.6, 9.5, 9.4, 0.3, 0.25, 0.2, 0.15, 0.1}, 6, 10);
    }

    /**
     * The largest k the knee can give, r − 2 (d is 0 at the last point, so k = r − 1 never comes
     * out of the knee; {@code GramEigenTest} covers r − 1 vectors): σ 10, 9.9, …, 9.3 then 0
     * (r = 9), d peaks at the last value of the slope, index 7.
     */
    @Test
    void kneeAtTheEndKeepsAllButTheLastTwo() {
        assertMatchesTheFullSvd(30, 9, new double[] {10, 9.9, 9.8, 9.7, 9.6, 9.5, 9.4, 9.3, 0}, 7, 12);
    }

    /** r = 2: the knee gives k = 1 (KneePoint), one inverse-iteration vector of a 2 x 2 T. */
    @Test
    void twoColumnsKeepTheStrongerDirection() {
        assertMatchesTheFullSvd(5, 2, new double[] {3, 1}, 1, 14);
        assertMatchesTheFullSvd(2, 5, new double[] {3, 1}, 1, 15);
    }

    /** Δ = Σ σ_j u_j v_jᵀ on text weights: the merge keeps {@code k} values and equals the full SVD's top k. */
    private static void assertMatchesTheFullSvd(int rows, int cols, double[] sigma, int k, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] text = gaussian(rnd, rows * cols, 0.1);
        double[] delta = lowRank(rnd, rows, cols, sigma);
        float[] vision = new float[text.length];
        for (int i = 0; i < vision.length; i++) vision[i] = text[i] + (float) delta[i];
        DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
        Reference ref = Reference.of(vision, text, rows, cols);
        assertEquals(k, r.k(), "k for " + rows + "x" + cols);
        for (int i = 0; i < ref.sigma.length; i++) {
            // A zero σ comes out of the Gram matrix as √(rounding of σ_1²), ~√ε σ_1: checked to 1e-7 σ_1.
            double tolerance = (ref.sigma[i] > 1e-4 * ref.sigma[0] ? 1e-9 : 1e-7) * ref.sigma[0];
            assertEquals(ref.sigma[i], r.singularValues()[i], tolerance, "σ" + i);
        }
        float[] expected = ref.merged(text, k);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], r.merged()[i], 1e-6, "value " + i + " of " + rows + "x" + cols);
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
