package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class GramEigenTest {

    /**
     * On a noise matrix's Gram matrix (distinct eigenvalues: the repeated ones are
     * {@code DeltaMergeTest}'s and {@code TridiagonalInverseIterationTest}'s) the inverse-iteration vectors span the same subspace as EJML's full eigendecomposition, for
     * the widths the merge can ask for and the extremes: the top one, the bottom one (k = r − 1's
     * tail), all but the top one and all but the bottom one.
     */
    @Test
    void chosenVectorsSpanWhatTheFullDecompositionGives() {
        int m = 60, r = 40;
        SplittableRandom rnd = new SplittableRandom(21);
        DMatrixRMaj a = new DMatrixRMaj(m, r);
        for (int i = 0; i < a.data.length; i++) a.data[i] = rnd.nextGaussian();
        DMatrixRMaj gram = new DMatrixRMaj(r, r);
        CommonOps_DDRM.multInner(a, gram);
        GramEigen eigen = GramEigen.of(gram);
        for (int[] range : new int[][] {{0, 1}, {r - 1, 1}, {1, r - 1}, {0, r - 1}, {0, 13}, {13, r - 13}, {7, 5}}) {
            int first = range[0], count = range[1];
            DMatrixRMaj v = eigen.vectors(first, count);
            assertNotNull(v, "converged for " + first + " + " + count);
            assertOrthonormal(v);
            DMatrixRMaj full = DeltaMerge.fullEigenvectors(a, first, count);
            assertEquals(0, maxDifference(projector(v), projector(full)), 1e-10, "projector onto " + first + " + " + count);
        }
    }

    /** The values are the full decomposition's, descending: σ² of the columns' Gram matrix. */
    @Test
    void singularValuesAreTheEigenvaluesRoots() {
        // Orthogonal columns of norms 3, 2 and 1 (in that order, scrambled): σ = 3, 2, 1.
        DMatrixRMaj a = new DMatrixRMaj(new double[][] {{0, 2, 0}, {3, 0, 0}, {0, 0, 1}, {0, 0, 0}});
        DMatrixRMaj gram = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.multInner(a, gram);
        double[] sigma = GramEigen.of(gram).singularValues();
        assertEquals(3, sigma[0], 1e-12);
        assertEquals(2, sigma[1], 1e-12);
        assertEquals(1, sigma[2], 1e-12);
    }

    static void assertOrthonormal(DMatrixRMaj v) {
        DMatrixRMaj vtv = new DMatrixRMaj(v.numCols, v.numCols);
        CommonOps_DDRM.multInner(v, vtv);
        assertEquals(0, maxDifference(vtv, CommonOps_DDRM.identity(v.numCols)), 1e-12, "VᵀV = I");
    }

    static DMatrixRMaj projector(DMatrixRMaj v) {
        DMatrixRMaj p = new DMatrixRMaj(v.numRows, v.numRows);
        CommonOps_DDRM.multTransB(v, v, p);
        return p;
    }

    static double maxDifference(DMatrixRMaj x, DMatrixRMaj y) {
        double max = 0;
        for (int i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs(x.data[i] - y.data[i]));
        return max;
    }
}
