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
 * (G = ΔᵀΔ, r × r for a tall Δ), reduced once to tridiagonal form ({@link GramEigen}): its
 * eigenvalues are σ², found first and alone (implicit QR without vectors), which gives k; then
 * only the eigenvectors the product needs — G's eigenvectors are the right singular vectors V,
 * and U_k Σ_k V_kᵀ = Δ V_k V_kᵀ, so U is never formed. When k is more than half of r,
 * Δ − Δ V_t V_tᵀ over the t = r − k tail directions is the same product with fewer columns, so
 * at most r/2 vectors are ever needed; they come from inverse iteration on the tridiagonal
 * matrix ({@link TridiagonalInverseIteration}), with EJML's full eigendecomposition as the
 * fallback should it not converge. On a 9728 x 2560 feed-forward that is the Gram product
 * (m r²), the reduction and Q (~8/3 r³) and the projections (4 m r w), where EJML's full thin
 * SVD with U and V would be ~14 m r² and the full eigenvectors ~6 r³ more (docs/merge.md). The
 * products are {@link DoubleGemm}'s (the Vector API, 6-12x EJML's), the decompositions EJML's.
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
        DoubleGemm.gram(a, gram); // AᵀA, one triangle computed

        GramEigen eigen = GramEigen.of(gram); // gram now holds the reduction's reflectors
        double[] sigma = eigen.singularValues();
        int k = KneePoint.keep(sigma);
        double energy = KneePoint.energyKept(sigma, k);

        DMatrixRMaj clean = lowRankPart(a, eigen, k);
        double[] cd = clean.data;
        if (transpose) {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) merged[i * cols + j] = text[i * cols + j] + (float) cd[j * r + i];
        } else {
            for (int i = 0; i < merged.length; i++) merged[i] = text[i] + (float) cd[i];
        }
        return new Result(merged, k, r, energy, sigma);
    }

    /**
     * A V_k V_kᵀ (the top k right singular directions), or A − A V_t V_tᵀ when the tail t = r − k is
     * narrower, with only those k (or t) eigenvectors computed; the full eigendecomposition if
     * inverse iteration does not converge.
     */
    private static DMatrixRMaj lowRankPart(DMatrixRMaj a, GramEigen eigen, int k) {
        int r = a.numCols;
        boolean keepTop = k <= r - k;
        DMatrixRMaj v = keepTop ? eigen.vectors(0, k) : eigen.vectors(k, r - k);
        if (v == null) v = fullEigenvectors(a, keepTop ? 0 : k, keepTop ? k : r - k);
        return project(a, v, keepTop);
    }

    /** A V Vᵀ, or A − A V Vᵀ. */
    private static DMatrixRMaj project(DMatrixRMaj a, DMatrixRMaj v, boolean keep) {
        DMatrixRMaj av = new DMatrixRMaj(a.numRows, v.numCols);
        DoubleGemm.mult(a, v, av);
        DMatrixRMaj part = new DMatrixRMaj(a.numRows, a.numCols);
        DoubleGemm.multTransB(av, v, part);
        if (keep) return part;
        CommonOps_DDRM.subtract(a, part, part);
        return part;
    }

    /**
     * The fallback: the eigenvectors of AᵀA ranked {@code first .. first + count − 1} (descending)
     * from EJML's full symmetric eigendecomposition with vectors, as the merge computed them before
     * the inverse-iteration route. Package-visible so the tests can hold the two routes side by side.
     */
    static DMatrixRMaj fullEigenvectors(DMatrixRMaj a, int first, int count) {
        int r = a.numCols;
        DMatrixRMaj gram = new DMatrixRMaj(r, r);
        DoubleGemm.gram(a, gram);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(r, true, true);
        if (!eig.decompose(gram)) {
            throw new IllegalStateException("the eigenvectors of a " + r + " x " + r + " Gram matrix did not converge");
        }
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) order[i] = i;
        java.util.Arrays.sort(order, (p, q) -> Double.compare(eig.getEigenvalue(q).real, eig.getEigenvalue(p).real));
        DMatrixRMaj v = new DMatrixRMaj(r, count);
        for (int c = 0; c < count; c++) {
            DMatrixRMaj vec = eig.getEigenVector(order[first + c]);
            for (int i = 0; i < r; i++) v.unsafe_set(i, c, vec.get(i, 0));
        }
        return v;
    }
}
