package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.merge.DoubleGemm.View;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The merge's double products: every element is one FMA chain over k in order, so it equals
 * {@link DoubleGemm#chain} bit for bit whatever tile, panel, block or vector width computed it
 * (the avx2-kernels surefire execution runs this class again with {@code -XX:UseAVX=2}), and a
 * plain triple loop within 1e-12 of Σ|x||y|. Sizes straddle the micro-tile (4 rows, 3 vectors:
 * 12 or 24 columns), the depth block (256), the row block (256) and the column block (~4100).
 */
class DoubleGemmTest {

    @ParameterizedTest(name = "{0} x {2} times {2} x {1}")
    @CsvSource({"1, 1, 1", "1, 37, 5", "37, 1, 5", "4, 24, 64", "5, 17, 33", "13, 100, 700", "7, 3, 1100",
            "261, 29, 300", "3, 49, 513", "2, 4200, 3", "6, 5, 0"})
    void productsAreFmaChainsAndNearTheExactSums(int m, int n, int depth) {
        SplittableRandom rnd = new SplittableRandom(m * 1000003L + n * 1009L + depth);
        DMatrixRMaj a = gaussian(rnd, m, depth), b = gaussian(rnd, depth, n), bt = gaussian(rnd, n, depth);

        DMatrixRMaj ab = poisoned(m, n); // NaN read back as a chain's start would show
        DoubleGemm.mult(a, b, ab);
        assertEquals(m, ab.numRows);
        assertEquals(n, ab.numCols);
        assertChains(View.of(a), View.of(b), ab, depth);

        DMatrixRMaj abt = poisoned(m, n);
        DoubleGemm.multTransB(a, bt, abt);
        assertEquals(n, abt.numCols);
        assertChains(View.of(a), View.transposed(bt), abt, depth);
    }

    /** AᵀA computes the upper triangle's tiles only; the mirror makes it exactly symmetric and every element its chain. */
    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "9, 1", "1, 9", "40, 16", "16, 40", "300, 27", "520, 261", "3, 0"})
    void gramIsEveryChainAndSymmetric(int m, int r) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + r);
        DMatrixRMaj a = gaussian(rnd, m, r);
        DMatrixRMaj g = poisoned(r, r);
        DoubleGemm.gram(a, g);
        assertEquals(r, g.numRows);
        assertEquals(r, g.numCols);
        assertChains(View.transposed(a), View.of(a), g, m);
        for (int i = 0; i < r; i++) for (int j = 0; j < i; j++) assertEquals(g.get(j, i), g.get(i, j), 0.0, "symmetric at " + i + "," + j);
    }

    /** Columns past n, strides past the matrix: the product writes its m x n block of c and nothing else. */
    @Test
    void writesOnlyItsBlock() {
        SplittableRandom rnd = new SplittableRandom(3);
        int m = 9, n = 26, depth = 270, ldc = n + 5;
        DMatrixRMaj a = gaussian(rnd, m, depth), b = gaussian(rnd, depth, n);
        double[] c = new double[m * ldc + 7];
        Arrays.fill(c, Double.NaN);
        DoubleGemm.product(View.of(a), View.of(b), m, n, depth, c, ldc, false);
        for (int i = 0; i < c.length; i++) {
            int row = i / ldc, col = i % ldc;
            if (row < m && col < n) {
                assertEquals(DoubleGemm.chain(View.of(a), View.of(b), row, col, depth), c[i], 0.0, "element " + row + "," + col);
            } else {
                assertTrue(Double.isNaN(c[i]), "written outside the block at " + i);
            }
        }
    }

    /** The panels are three of the machine's vectors: 4 lanes under the avx2-kernels execution, so this class covers both widths there. */
    @Test
    void panelsFollowThePreferredSpecies() {
        assertEquals(3 * DoubleVector.SPECIES_PREFERRED.length(), DoubleGemm.PANEL);
        if (ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:UseAVX=2")) assertEquals(12, DoubleGemm.PANEL);
    }

    @Test
    void mismatchedShapesAreRefused() {
        DMatrixRMaj a = new DMatrixRMaj(3, 4), b = new DMatrixRMaj(5, 2), c = new DMatrixRMaj(1, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> DoubleGemm.mult(a, b, c));
        assertEquals("a b of 3 x 4 and 5 x 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DoubleGemm.multTransB(a, b, c));
    }

    private static void assertChains(View x, View y, DMatrixRMaj c, int depth) {
        for (int i = 0; i < c.numRows; i++) {
            for (int j = 0; j < c.numCols; j++) {
                double got = c.get(i, j);
                assertEquals(Double.doubleToRawLongBits(DoubleGemm.chain(x, y, i, j, depth)), Double.doubleToRawLongBits(got),
                        "element " + i + "," + j + " is its FMA chain");
                double sum = 0, magnitude = 0;
                for (int k = 0; k < depth; k++) {
                    sum += x.get(i, k) * y.get(k, j);
                    magnitude += Math.abs(x.get(i, k) * y.get(k, j));
                }
                assertEquals(sum, got, 1e-12 * magnitude, "element " + i + "," + j + " against the triple loop");
                if (depth == 0) assertEquals(0L, Double.doubleToRawLongBits(got), "an empty sum is +0");
            }
        }
    }

    private static DMatrixRMaj poisoned(int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        Arrays.fill(m.data, Double.NaN);
        return m;
    }

    private static DMatrixRMaj gaussian(SplittableRandom rnd, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < m.data.length; i++) m.data[i] = rnd.nextGaussian();
        return m;
    }
}
