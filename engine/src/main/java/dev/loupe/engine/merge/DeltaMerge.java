package dev.loupe.engine.merge;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The merge of one weight matrix: Δ = W_vision − W_text in float32, Δ's singular values, the knee
 * k ({@link KneePoint}), Δ_clean = U_k Σ_k V_kᵀ and W_merged = W_text + Δ_clean.
 *
 * <p>Only what the method needs is computed, through the Gram matrix of Δ's short side
 * (G = ΔᵀΔ, r × r for a tall Δ): its eigenvalues are σ², found first and alone (a tridiagonal
 * reduction and implicit QR without vectors), which gives k; then its eigenvectors are the right
 * singular vectors V, and U_k Σ_k V_kᵀ = Δ V_k V_kᵀ, so U is never formed. When k is more than
 * half of r, Δ − Δ V_t V_tᵀ over the t = r − k tail directions is the same product with fewer
 * columns. The Gram product and the eigen problem cost r²(m + ~10r) against roughly 14 m r² for a
 * full thin SVD with U and V (Golub–Kahan in EJML), about 4x less on a 9728 x 2560 feed-forward.
 * The decomposition runs in double: a Gram matrix squares Δ's condition number, and double
 * keeps the small σ (which set y_r and the energy) accurate to ~1e-8 σ_1. Δ_clean is rounded to
 * float32 before the addition, as the float32 method does. {@code DeltaMergeTest} checks all of
 * this against EJML's full SVD.
 */
public final class DeltaMerge {
    /** A merged matrix and what the knee kept. */
    public record Result(float[] merged, int k, int rank, double energyKept, double[] singularValues) {}

    private DeltaMerge() {}

    /** Merges {@code rows x cols} row-major matrices (ggml's layout: a row is {@code cols} contiguous values). */
    public static Result merge(float[] vision, float[] text, int rows, int cols) {
        long n = (long) rows * cols;
        if (vision.length != n || text.length != n) {
            throw new IllegalArgumentException("matrices of " + vision.length + " and " + text.length + " values for " + rows + " x " + cols);
        }
        float[] delta = new float[vision.length];
        for (int i = 0; i < delta.length; i++) delta[i] = vision[i] - text[i];
        // Work on the tall orientation (m >= r), so the Gram matrix is the small one.
        boolean transpose = rows < cols;
        int m = transpose ? cols : rows, r = transpose ? rows : cols;
        DMatrixRMaj a = new DMatrixRMaj(m, r);
        double[] ad = a.data;
        if (transpose) {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) ad[j * r + i] = delta[i * cols + j];
        } else {
            for (int i = 0; i < delta.length; i++) ad[i] = delta[i];
        }
        float[] merged = new float[delta.length];
        if (r == 1) {
            // One direction: the knee keeps it, Δ_clean = Δ.
            double norm = 0;
            for (double x : ad) norm += x * x;
            for (int i = 0; i < merged.length; i++) merged[i] = text[i] + delta[i];
            return new Result(merged, 1, 1, 1.0, new double[] {Math.sqrt(norm)});
        }
        DMatrixRMaj gram = new DMatrixRMaj(r, r);
        CommonOps_DDRM.multInner(a, gram); // AᵀA, exploiting its symmetry

        double[] sigma = singularValues(gram);
        int k = KneePoint.keep(sigma);
        double energy = KneePoint.energyKept(sigma, k);

        DMatrixRMaj clean = lowRankPart(a, gram, k);
        double[] cd = clean.data;
        if (transpose) {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) merged[i * cols + j] = text[i * cols + j] + (float) cd[j * r + i];
        } else {
            for (int i = 0; i < merged.length; i++) merged[i] = text[i] + (float) cd[i];
        }
        return new Result(merged, k, r, energy, sigma);
    }

    /** σ_1 ≥ … ≥ σ_r from the Gram matrix's eigenvalues alone (rounding can make tiny ones negative: 0). */
    static double[] singularValues(DMatrixRMaj gram) {
        EigenDecomposition_F64<DMatrixRMaj> values = DecompositionFactory_DDRM.eig(gram.numRows, false, true);
        if (!values.decompose(values.inputModified() ? gram.copy() : gram)) {
            throw new IllegalStateException("the eigenvalues of a " + gram.numRows + " x " + gram.numCols + " Gram matrix did not converge");
        }
        int r = gram.numRows;
        double[] sigma = new double[r];
        for (int i = 0; i < r; i++) sigma[i] = Math.sqrt(Math.max(0, values.getEigenvalue(i).real));
        java.util.Arrays.sort(sigma);
        for (int i = 0; i < r / 2; i++) {
            double t = sigma[i];
            sigma[i] = sigma[r - 1 - i];
            sigma[r - 1 - i] = t;
        }
        return sigma;
    }

    /** A V_k V_kᵀ (the top k right singular directions), or A − A V_t V_tᵀ when the tail t = r − k is narrower. */
    private static DMatrixRMaj lowRankPart(DMatrixRMaj a, DMatrixRMaj gram, int k) {
        int r = gram.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(r, true, true);
        if (!eig.decompose(eig.inputModified() ? gram.copy() : gram)) {
            throw new IllegalStateException("the eigenvectors of a " + r + " x " + r + " Gram matrix did not converge");
        }
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) order[i] = i;
        java.util.Arrays.sort(order, (p, q) -> Double.compare(eig.getEigenvalue(q).real, eig.getEigenvalue(p).real));
        boolean keepTop = k <= r - k;
        int width = keepTop ? k : r - k;
        DMatrixRMaj v = new DMatrixRMaj(r, width);
        for (int c = 0; c < width; c++) {
            DMatrixRMaj vec = eig.getEigenVector(order[keepTop ? c : k + c]);
            for (int i = 0; i < r; i++) v.unsafe_set(i, c, vec.get(i, 0));
        }
        DMatrixRMaj av = new DMatrixRMaj(a.numRows, width);
        CommonOps_DDRM.mult(a, v, av);
        DMatrixRMaj part = new DMatrixRMaj(a.numRows, r);
        CommonOps_DDRM.multTransB(av, v, part);
        if (keepTop) return part;
        CommonOps_DDRM.subtract(a, part, part);
        return part;
    }
}
