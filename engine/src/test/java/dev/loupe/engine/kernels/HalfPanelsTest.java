package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.bench.RandomWeights;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 16-bit weights repacked for prompt products ({@link WeightMatrix#repackForPrompts}): every
 * output of a FAST product from the half panels is, bit for bit, the FMA chain over the widened
 * row ({@link PackedGemm#chain}) that widening and packing the rows on every call computes — in
 * any batch, with a narrow last panel and depths past one block.
 */
class HalfPanelsTest {

    @ParameterizedTest(name = "{0} {1} x {2}, batch {3}")
    @CsvSource({"F16, 50, 96, 16", "F16, 48, 64, 17", "F16, 7, 600, 19", "F16, 130, 1100, 21", "F16, 97, 37, 33",
            "BF16, 50, 96, 16", "BF16, 30, 770, 18", "BF16, 1, 5, 16"})
    void repackedProductsAreTheChainsOfTheWidenedRows(GgmlType type, int rows, int cols, int batch) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 131L + cols);
            MemorySegment data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightMatrix plain = new WeightMatrix("plain", type, rows, cols, data);
            WeightMatrix repacked = new WeightMatrix("repacked", type, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            assertEquals((long) HalfPanels.panelCount(rows) * HalfPanels.PANEL * cols * 2, repacked.repackForPrompts(pool));
            assertTrue(repacked.repacked());
            assertFalse(plain.repacked());

            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] expected = new float[batch * rows], actual = new float[batch * rows];
            plain.multiply(x, batch, expected, pool, Numerics.FAST);
            repacked.multiply(x, batch, actual, pool, Numerics.FAST);
            WeightKernel kernel = Kernels.forType(type, "test");
            float[] row = new float[cols], operands = new float[cols];
            for (int b = 0; b < batch; b++) {
                kernel.roundRow(x, b * cols, operands, 0, cols);
                for (int r = 0; r < rows; r++) {
                    kernel.dequantizeRow(data, cols, r, row, 0);
                    float chain = PackedGemm.chain(operands, 0, row, 0, 1, cols);
                    assertEquals(chain, expected[b * rows + r], 0f, "per-call packing, row " + r);
                    assertEquals(chain, actual[b * rows + r], 0f, type + " batch row " + b + ", output " + r);
                }
            }
            // Decode steps and exact products still read the rows as stored.
            float[] one = new float[rows], oneRepacked = new float[rows];
            plain.multiplyDecode(x, 1, one, pool, Numerics.FAST);
            repacked.multiplyDecode(x, 1, oneRepacked, pool, Numerics.FAST);
            assertEquals(java.util.Arrays.toString(one), java.util.Arrays.toString(oneRepacked));
        }
    }

    @Test
    void quantizedTypesTakeTheirEightBitPanelsAndF32None() {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(3);
            ComputePool pool = ComputePool.shared();
            WeightMatrix q8 = new WeightMatrix("q8", GgmlType.Q8_0, 48, 64, RandomWeights.of(arena, GgmlType.Q8_0, 48, 64, rnd));
            assertTrue(q8.repackForPrompts(pool) > 0);
            assertTrue(q8.repacked());
            WeightMatrix f32 = new WeightMatrix("f32", GgmlType.F32, 48, 64, RandomWeights.of(arena, GgmlType.F32, 48, 64, rnd));
            assertEquals(0, f32.repackForPrompts(pool));
            assertFalse(f32.repacked());
            assertFalse(HalfPanels.supports(GgmlType.Q8_0));
        }
    }
}
