package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class TridiagonalInverseIterationTest {

    /**
     * The second-difference matrix (2 on the diagonal, −1 beside it) of size n has eigenvalues
     * 2 − 2 cos(jπ/(n+1)) and eigenvectors sin(ijπ/(n+1)), j = 1 … n (ascending), known in closed form.
     */
    @Test
    void secondDifferenceMatrixGivesTheSineVectors() {
        int n = 50;
        double[] diag = new double[n], off = new double[n - 1], ascending = new double[n];
        java.util.Arrays.fill(diag, 2);
        java.util.Arrays.fill(off, -1);
        for (int j = 1; j <= n; j++) ascending[j - 1] = 2 - 2 * Math.cos(j * Math.PI / (n + 1));
        DMatrixRMaj z = new TridiagonalInverseIteration(diag, off).vectors(ascending, 10, 30);
        assertNotNull(z);
        for (int c = 0; c < 30; c++) {
            int j = 11 + c;
            double norm = 0;
            for (int i = 1; i <= n; i++) norm += Math.pow(Math.sin(i * j * Math.PI / (n + 1)), 2);
            // Signs are chosen so the largest component is positive: compare up to sign.
            double dot = 0;
            for (int i = 1; i <= n; i++) dot += z.get(i - 1, c) * Math.sin(i * j * Math.PI / (n + 1)) / Math.sqrt(norm);
            assertEquals(1, Math.abs(dot), 1e-12, "eigenvector " + j);
        }
        GramEigenTest.assertOrthonormal(z);
    }

    /**
     * Zero couplings and a repeated eigenvalue: T = diag(1, 1, 1, 2) has the eigenvalue 1 three
     * times (the shifts get pulled 10ε apart, the solves give nearly the same vector each time);
     * the three vectors must be orthonormal and lie in the first three coordinates.
     */
    @Test
    void repeatedEigenvalueAcrossZeroCouplingsGivesAnOrthonormalBasis() {
        double[] diag = {1, 1, 1, 2}, off = {0, 0, 0};
        DMatrixRMaj z = new TridiagonalInverseIteration(diag, off).vectors(new double[] {1, 1, 1, 2}, 0, 3);
        assertNotNull(z);
        GramEigenTest.assertOrthonormal(z);
        for (int c = 0; c < 3; c++) assertEquals(0, z.get(3, c), 1e-12, "vector " + c + " outside the eigenspace");
    }
}
