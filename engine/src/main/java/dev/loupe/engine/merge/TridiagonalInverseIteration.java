package dev.loupe.engine.merge;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;

/**
 * Eigenvectors of a symmetric tridiagonal matrix for eigenvalues already known, by inverse
 * iteration: each vector is a few solves with T − λI (an O(n) LU with partial pivoting), so w
 * vectors cost O(n w) plus the reorthogonalisation below, against the O(n²) per vector that the
 * QR algorithm's accumulated rotations cost. It follows LAPACK's {@code dstein}: a random start,
 * up to five solves, the growth test ‖x‖∞ ≥ √(0.1/n) after scaling, then two more solves; shifts
 * of (nearly) equal eigenvalues pulled 10·ε·|λ| apart so their factorisations differ; and
 * modified Gram–Schmidt against the earlier vectors of the same cluster (eigenvalues within
 * 10⁻³‖T‖₁ of their neighbour), which is what keeps the vectors of close or repeated eigenvalues
 * orthogonal (inverse iteration alone would return the same vector for each of them).
 *
 * <p>Unlike {@code dstein} it does not split T where an off-diagonal vanishes: the pivoted
 * solve handles a zero coupling, and eigenvalues of separate blocks that coincide fall into one
 * cluster and are orthogonalised like any other. The start vectors come from a fixed seed, so
 * the same matrix always gives the same bytes (the CLI and the Spark job compare them).
 */
final class TridiagonalInverseIteration {
    private static final int MAX_SOLVES = 5;
    private static final int EXTRA_SOLVES = 2;
    private static final double EPS = Math.ulp(1.0);

    private final int n;
    private final double[] diag, off;
    private final double oneNorm, clusterGap, growth;
    // LU of T − λI with row interchanges: U's diagonal and two superdiagonals, L's multipliers.
    private final double[] u0, u1, u2, mult;
    private final boolean[] swapped;

    /** T with diagonal {@code diag} (n) and off-diagonal {@code off} (n − 1); neither is modified. */
    TridiagonalInverseIteration(double[] diag, double[] off) {
        this.n = diag.length;
        if (off.length < n - 1) throw new IllegalArgumentException(off.length + " off-diagonal values for " + n + " diagonal ones");
        this.diag = diag;
        this.off = off;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double row = Math.abs(diag[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0) + (i < n - 1 ? Math.abs(off[i]) : 0);
            norm = Math.max(norm, row);
        }
        this.oneNorm = norm;
        this.clusterGap = 1e-3 * norm;
        this.growth = Math.sqrt(0.1 / n);
        u0 = new double[n];
        u1 = new double[n];
        u2 = new double[n];
        mult = new double[n];
        swapped = new boolean[n];
    }

    /**
     * The unit eigenvectors (columns, n x count) for {@code ascending[from .. from + count)}, the
     * eigenvalues in ascending order; null when one of them does not converge in five solves.
     */
    DMatrixRMaj vectors(double[] ascending, int from, int count) {
        DMatrixRMaj z = new DMatrixRMaj(n, count);
        double[][] done = new double[count][];
        SplittableRandom rnd = new SplittableRandom(0x5EEDL);
        double[] x = new double[n];
        double previous = 0;
        int clusterStart = 0;
        for (int c = 0; c < count; c++) {
            double lambda = ascending[from + c];
            if (c > 0) {
                double apart = 10 * Math.abs(EPS * lambda);
                if (lambda - previous < apart) lambda = previous + apart;
                if (Math.abs(lambda - previous) > clusterGap) clusterStart = c;
            }
            for (int i = 0; i < n; i++) x[i] = 2 * rnd.nextDouble() - 1;
            factor(lambda);
            boolean converged = false;
            for (int solve = 0, grown = 0; solve < MAX_SOLVES && !converged; solve++) {
                // Scale first, as dstein does: the growth of the next solve is then comparable to the test.
                double sum = 0;
                for (double v : x) sum += Math.abs(v);
                double scale = n * oneNorm * Math.max(EPS, Math.abs(u0[n - 1])) / sum;
                for (int i = 0; i < n; i++) x[i] *= scale;
                solve(x);
                for (int p = clusterStart; p < c; p++) {
                    double[] q = done[p];
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += x[i] * q[i];
                    for (int i = 0; i < n; i++) x[i] -= dot * q[i];
                }
                double max = 0;
                for (double v : x) max = Math.max(max, Math.abs(v));
                if (max >= growth && ++grown > EXTRA_SOLVES) converged = true;
            }
            if (!converged) return null;
            double norm = 0, largest = 0;
            for (double v : x) {
                norm += v * v;
                if (Math.abs(v) > Math.abs(largest)) largest = v;
            }
            double s = Math.copySign(1 / Math.sqrt(norm), largest);
            double[] unit = new double[n];
            for (int i = 0; i < n; i++) {
                unit[i] = x[i] * s;
                z.unsafe_set(i, c, unit[i]);
            }
            done[c] = unit;
            previous = lambda;
        }
        return z;
    }

    /** LU of T − λI with partial pivoting (LAPACK's dgttrf); pivots too small to divide by are raised to ±ε‖T‖₁. */
    private void factor(double lambda) {
        for (int i = 0; i < n; i++) {
            u0[i] = diag[i] - lambda;
            u1[i] = i < n - 1 ? off[i] : 0;
            u2[i] = 0;
            swapped[i] = false;
        }
        for (int i = 0; i < n - 1; i++) {
            double below = off[i];
            if (Math.abs(u0[i]) >= Math.abs(below)) {
                double f = u0[i] != 0 ? below / u0[i] : 0;
                mult[i] = f;
                u0[i + 1] -= f * u1[i];
            } else {
                double f = u0[i] / below;
                u0[i] = below;
                mult[i] = f;
                double t = u1[i];
                u1[i] = u0[i + 1];
                u0[i + 1] = t - f * u0[i + 1];
                if (i < n - 2) {
                    u2[i] = u1[i + 1];
                    u1[i + 1] = -f * u1[i + 1];
                }
                swapped[i] = true;
            }
        }
        double tiny = EPS * Math.max(oneNorm, Double.MIN_NORMAL);
        for (int i = 0; i < n; i++) {
            if (Math.abs(u0[i]) < tiny) u0[i] = u0[i] < 0 ? -tiny : tiny;
        }
    }

    /** x ← (T − λI)⁻¹ x with the last {@link #factor}. */
    private void solve(double[] x) {
        for (int i = 0; i < n - 1; i++) {
            if (swapped[i]) {
                double t = x[i];
                x[i] = x[i + 1];
                x[i + 1] = t - mult[i] * x[i];
            } else {
                x[i + 1] -= mult[i] * x[i];
            }
        }
        x[n - 1] /= u0[n - 1];
        if (n > 1) x[n - 2] = (x[n - 2] - u1[n - 2] * x[n - 1]) / u0[n - 2];
        for (int i = n - 3; i >= 0; i--) x[i] = (x[i] - u1[i] * x[i + 1] - u2[i] * x[i + 2]) / u0[i];
    }
}
