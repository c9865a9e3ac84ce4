package dev.loupe.engine.merge;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.eig.symm.SymmetricQREigenHelper_DDRM;
import org.ejml.dense.row.decomposition.eig.symm.SymmetricQrAlgorithm_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.TridiagonalSimilarDecomposition_F64;

/**
 * The eigen problem of a Gram matrix G, reduced once to tridiagonal form G = Q T Qᵀ (EJML's
 * Householder reduction, blocked from 1800 on): all eigenvalues come from T by the implicit QR
 * algorithm without vectors (what EJML's {@code eig(r, false, true)} does, so the values are
 * the same), and then only the eigenvectors asked for, by inverse iteration on T
 * ({@link TridiagonalInverseIteration}) turned into G's by Q. For w vectors of an r x r matrix
 * that is ~4/3 r³ (the reduction) + ~4/3 r³ (forming Q, blocked) + 2 r² w, where EJML's
 * {@code eig(r, true, true)} reduces again and accumulates every QR rotation into Q (~6 r³ more,
 * column by column).
 */
final class GramEigen {
    private final int r;
    private final TridiagonalSimilarDecomposition_F64<DMatrixRMaj> tridiagonal;
    private final double[] diag, off;
    private final double[] ascending;

    private GramEigen(int r, TridiagonalSimilarDecomposition_F64<DMatrixRMaj> tridiagonal, double[] diag, double[] off, double[] ascending) {
        this.r = r;
        this.tridiagonal = tridiagonal;
        this.diag = diag;
        this.off = off;
        this.ascending = ascending;
    }

    /** Reduces {@code gram} (overwritten: it holds the reflectors afterwards) and finds its eigenvalues. */
    static GramEigen of(DMatrixRMaj gram) {
        int r = gram.numRows;
        TridiagonalSimilarDecomposition_F64<DMatrixRMaj> tridiagonal = DecompositionFactory_DDRM.tridiagonal(r);
        if (!tridiagonal.decompose(gram)) throw new IllegalStateException("the tridiagonal reduction of a " + r + " x " + r + " Gram matrix failed");
        double[] diag = new double[r], off = new double[Math.max(0, r - 1)];
        tridiagonal.getDiagonal(diag, off);
        SymmetricQREigenHelper_DDRM helper = new SymmetricQREigenHelper_DDRM();
        SymmetricQrAlgorithm_DDRM qr = new SymmetricQrAlgorithm_DDRM(helper);
        helper.init(diag.clone(), off.clone(), r); // the QR steps overwrite them; inverse iteration needs T
        qr.setQ(null);
        qr.setFastEigenvalues(true);
        if (!qr.process(-1, null, null)) {
            throw new IllegalStateException("the eigenvalues of a " + r + " x " + r + " Gram matrix did not converge");
        }
        double[] ascending = new double[r];
        for (int i = 0; i < r; i++) ascending[i] = qr.getEigenvalue(i);
        Arrays.sort(ascending);
        return new GramEigen(r, tridiagonal, diag, off, ascending);
    }

    /** σ_1 ≥ … ≥ σ_r: square roots of the eigenvalues (rounding can make tiny ones negative: 0). */
    double[] singularValues() {
        double[] sigma = new double[r];
        for (int i = 0; i < r; i++) sigma[i] = Math.sqrt(Math.max(0, ascending[r - 1 - i]));
        return sigma;
    }

    /**
     * Unit eigenvectors (r x count columns) of the eigenvalues ranked {@code first .. first + count − 1}
     * in descending order (rank 0 is the largest), in that order; null when inverse iteration
     * does not converge (the caller then takes the full decomposition).
     */
    DMatrixRMaj vectors(int first, int count) {
        if (first < 0 || count < 1 || first + count > r) throw new IllegalArgumentException("eigenvectors " + first + " .. " + (first + count - 1) + " of " + r);
        // Descending ranks first .. first+count-1 are ascending positions r-first-count .. r-first-1.
        DMatrixRMaj z = new TridiagonalInverseIteration(diag, off).vectors(ascending, r - first - count, count);
        if (z == null) return null;
        DMatrixRMaj descending = new DMatrixRMaj(r, count);
        for (int i = 0; i < r; i++) for (int c = 0; c < count; c++) descending.unsafe_set(i, c, z.unsafe_get(i, count - 1 - c));
        DMatrixRMaj q = tridiagonal.getQ(null, false); // T = Qᵀ G Q: G's eigenvectors are Q times T's
        DMatrixRMaj v = new DMatrixRMaj(r, count);
        DoubleGemm.mult(q, descending, v);
        return v;
    }
}
