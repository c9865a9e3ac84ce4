package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.bench.RandomWeights;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Q8_0 weights repacked at load into 8-bit panels: every value the kernel sees is the one
 * {@code dequantizeRow} writes, and a FAST prefill product from the repacked copy gives bit
 * for bit the floats of packing the widened rows per call (each element one FMA chain from
 * zero, {@link PackedGemm#chain}) — for panels cut short by the row count and batches that
 * leave single rows after the tiles of four.
 */
class Int8PanelsTest {

    @ParameterizedTest(name = "{0} x {1}, batch {2}")
    @CsvSource({"50, 96, 16", "48, 64, 17", "7, 32, 19", "130, 640, 21", "24, 1056, 64"})
    void repackedPrefillEqualsPackingPerCall(int rows, int cols, int batch) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
            var data = RandomWeights.of(arena, GgmlType.Q8_0, rows, cols, rnd);
            WeightMatrix plain = new WeightMatrix("plain", GgmlType.Q8_0, rows, cols, data);
            WeightMatrix repacked = new WeightMatrix("repacked", GgmlType.Q8_0, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            assertTrue(repacked.repack(pool) >= Int8Panels.bytesFor(rows, cols));
            assertTrue(repacked.repacked());
            assertFalse(plain.repacked());

            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] expected = new float[batch * rows], actual = new float[batch * rows];
            plain.multiply(x, batch, expected, pool, Numerics.FAST);
            repacked.multiply(x, batch, actual, pool, Numerics.FAST);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "row " + i / rows + ", output " + i % rows + ": " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    @Test
    void panelValuesAreTheDequantizedRows() {
        try (Arena arena = Arena.ofShared()) {
            int rows = Int8Panels.PANEL + 5, cols = 96;
            var data = RandomWeights.of(arena, GgmlType.Q8_0, rows, cols, new SplittableRandom(3));
            WeightKernel kernel = Kernels.forType(GgmlType.Q8_0, "w");
            ComputePool pool = ComputePool.shared();
            Int8Panels panels = Int8Panels.repack(rows, cols, kernel.int8Codes(data, cols), pool);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                kernel.dequantizeRow(data, cols, r, row, 0);
                for (int k = 0; k < cols; k++) assertEquals(row[k], panels.value(r, k), "row " + r + ", column " + k);
            }
            assertEquals(2L * (cols / 32) * Int8Panels.BLOCK_BYTES, panels.bytes(), "two panels, the second zero-padded");
        }
    }

    @Test
    void typesWithoutAnEightBitFormAreNotRepacked() {
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix m = new WeightMatrix("f16", GgmlType.F16, 8, 64, RandomWeights.of(arena, GgmlType.F16, 8, 64, new SplittableRandom(1)));
            ComputePool pool = ComputePool.shared();
            assertEquals(0, m.repack(pool));
            assertFalse(m.repacked());
        }
    }
}
