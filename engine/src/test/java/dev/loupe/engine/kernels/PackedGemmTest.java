package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The FAST matrix product: every element is one FMA chain from zero over k in order, so each
 * must equal {@link PackedGemm#chain} bit for bit, whatever the tile, panel, depth block or
 * thread it was computed in.
 */
class PackedGemmTest {

    @ParameterizedTest(name = "m {0}, n {1}, depth {2}")
    // Depths with every remainder of the tile's 4- and 2-step passes, in one block and past a block.
    @CsvSource({"1, 1, 1", "2, 7, 2", "4, 48, 64", "5, 17, 33", "6, 50, 131", "5, 20, 258", "13, 100, 700", "7, 3, 1100",
            "9, 96, 512", "3, 49, 513", "4, 9, 387"})
    void everyElementIsItsFmaChain(int m, int n, int depth) {
        SplittableRandom rnd = new SplittableRandom(m * 1000003L + n * 1009L + depth);
        int lda = depth + 3, ldc = n + 5;
        float[] a = gaussian(rnd, m * lda);
        float[] w = gaussian(rnd, n * depth);
        float[] c = new float[m * ldc];
        java.util.Arrays.fill(c, Float.NaN); // columns past n and the padding must stay untouched
        float[] panel = new float[PackedGemm.panelSize(depth)];
        for (int j0 = 0; j0 < n; j0 += PackedGemm.PANEL) {
            int count = Math.min(PackedGemm.PANEL, n - j0);
            PackedGemm.packRows(w, j0 * depth, depth, count, depth, panel, 0);
            PackedGemm.multiply(a, 0, lda, m, panel, 0, depth, count, c, j0, ldc);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                if (j >= n) {
                    assertTrue(Float.isNaN(c[i * ldc + j]), "padding written at " + i + "," + j);
                    continue;
                }
                float expected = PackedGemm.chain(a, i * lda, w, j * depth, 1, depth);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(c[i * ldc + j]), "element " + i + "," + j);
                double exact = 0;
                for (int k = 0; k < depth; k++) exact += (double) a[i * lda + k] * w[j * depth + k];
                assertEquals(exact, expected, 1e-4 * Math.sqrt(depth) + 1e-6, "chain vs exact dot");
            }
        }
    }

    @Test
    void packedColumnsMultiplyTheSameChains() {
        SplittableRandom rnd = new SplittableRandom(7);
        int m = 6, depth = 70, n = 20, ldv = 31;
        float[] p = gaussian(rnd, m * depth);
        float[] v = gaussian(rnd, depth * ldv); // depth rows of ldv values; columns 5..24 used
        float[] panel = new float[PackedGemm.panelSize(depth)];
        PackedGemm.packColumns(v, 5, ldv, n, depth, panel, 0);
        float[] c = new float[m * n];
        PackedGemm.multiply(p, 0, depth, m, panel, 0, depth, n, c, 0, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(PackedGemm.chain(p, i * depth, v, 5 + j, ldv, depth), c[i * n + j], 0f, "element " + i + "," + j);
            }
        }
    }

    /**
     * A row's result does not depend on the rows batched with it nor on the threads: what makes
     * a FAST prefill reproducible whatever the executor.
     */
    @Test
    void weightMatrixRowsAreIndependentOfBatchAndThreads() {
        SplittableRandom rnd = new SplittableRandom(11);
        int rows = 150, cols = 96, batch = 37;
        float[] w = gaussian(rnd, rows * cols);
        WeightMatrix f16 = WeightMatrix.f16("w", rows, cols, w);
        float[] x = gaussian(rnd, batch * cols);
        float[] all = new float[batch * rows];
        f16.multiply(x, batch, all, new ComputePool(2), Numerics.FAST);
        float[] widened = f16.toFloats();
        float[] rounded = x.clone();
        for (int i = 0; i < rounded.length; i++) rounded[i] = Layouts.roundF16(rounded[i]);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                float expected = PackedGemm.chain(rounded, b * cols, widened, r * cols, 1, cols);
                assertEquals(expected, all[b * rows + r], 0f, "row " + b + ", output " + r);
            }
        }
        // The last 16 rows alone, on one thread: the same bits.
        int tail = Numerics.PACKED_MIN_ROWS;
        float[] some = new float[tail * rows];
        f16.multiply(java.util.Arrays.copyOfRange(x, (batch - tail) * cols, batch * cols), tail, some, new ComputePool(1), Numerics.FAST);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, (batch - tail) * rows, batch * rows), some);
    }

    /** Quantized weights: dequantized rows times activations quantized as FAST rounds them (roundRow), widened back. */
    @Test
    void quantizedWeightsMultiplyTheirDequantizedRows() {
        SplittableRandom rnd = new SplittableRandom(13);
        int rows = 56, cols = 512, batch = 21;
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                MemorySegment data = WeightKernelDifferentialTest.randomBlocks(arena, type, rows, cols, rnd, false);
                WeightMatrix m = new WeightMatrix("w", type, rows, cols, data);
                float[] x = gaussian(rnd, batch * cols);
                // A block whose largest magnitude occurs with both signs, the negative first: ggml's
                // interleaved Q8_K quantizer (Q4_K here, 8-row repacked) and its row quantizer pick
                // opposite scale signs there, and must still give the same floats.
                x[cols + 3] = -6f;
                x[cols + 40] = 6f;
                float[] fast = new float[batch * rows], exact = new float[batch * rows];
                m.multiply(x, batch, fast, new ComputePool(2), Numerics.FAST);
                m.multiply(x, batch, exact, new ComputePool(2), Numerics.EXACT);
                float[] widened = m.toFloats();
                WeightKernel kernel = Kernels.forMatrix(type, "w", rows);
                float[] operands = new float[batch * cols];
                for (int b = 0; b < batch; b++) kernel.roundRow(x, b * cols, operands, b * cols, cols);
                boolean fourBit = kernel.roundRowToIntegers(x, 0, new float[cols], new short[cols], new float[cols / 16], 16, cols);
                double worst = 0, scale = 0;
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(PackedGemm.chain(operands, b * cols, widened, r * cols, 1, cols), fast[b * rows + r], 0f, type + " " + b + "," + r);
                        worst = Math.max(worst, Math.abs(fast[b * rows + r] - exact[b * rows + r]));
                        scale = Math.max(scale, Math.abs(exact[b * rows + r]));
                    }
                }
                // Same operands as ggml's integer kernels, another summation order: float rounding
                // apart, plus for Q5_1 (Q8_1 activations) ggml's fp16-rounded block sum in the min term;
                // for 4-bit types, ggml's integers times its block scales rounded to 8 bits (2^-8).
                double tolerance = fourBit ? 0x1p-8 : type == GgmlType.Q5_1 ? 1e-4 : 1e-5;
                assertTrue(worst <= tolerance * scale, type + ": FAST vs EXACT " + worst + " of " + scale);
            }
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
