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

    @ParameterizedTest(name = "{0} {1} x {2}, batch {3}")
    @CsvSource({"Q8_0, 50, 96, 16", "Q8_0, 48, 64, 17", "Q8_0, 7, 32, 19", "Q8_0, 130, 640, 21", "Q8_0, 24, 1056, 64",
            "Q4_K, 50, 256, 16", "Q4_K, 30, 512, 19", "Q5_K, 25, 256, 17", "Q6_K, 50, 512, 16", "Q6_K, 7, 256, 20",
            "Q3_K, 26, 256, 16", "Q2_K, 26, 256, 18", "IQ4_XS, 26, 256, 16",
            "Q4_0, 50, 96, 16", "Q4_1, 30, 64, 17", "Q5_0, 25, 576, 16", "Q5_1, 26, 96, 19", "IQ4_NL, 26, 128, 16"})
    void repackedPrefillEqualsPackingPerCall(GgmlType type, int rows, int cols, int batch) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
            var data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightMatrix plain = new WeightMatrix("plain", type, rows, cols, data);
            WeightMatrix repacked = new WeightMatrix("repacked", type, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            if (!Kernels.forType(type, "w").worthRepacking()) { // Q8_0 on AVX-512 (Q8_0Kernel#worthRepacking)
                assertEquals(0, repacked.repack(pool));
                assertFalse(repacked.repacked());
                return;
            }
            assertTrue(repacked.repack(pool) > 0, type + " repacks");
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

    /**
     * A decode step's product of repacked weights (a lone row or a batch of them) reads the
     * panels: each output is the single FMA chain over the dequantized row, whatever the batch.
     */
    @ParameterizedTest(name = "{0}, batch {1}")
    @CsvSource({"Q8_0, 1", "Q8_0, 3", "Q8_0, 8", "Q4_K, 1", "Q4_K, 3", "Q4_K, 5", "Q4_K, 8", "Q6_K, 1", "Q6_K, 8", "Q5_0, 1",
            "Q4_1, 4", "Q4_0, 1", "Q4_0, 7", "Q3_K, 2", "Q2_K, 9"})
    void repackedDecodeProductsAreOneChainPerOutput(GgmlType type, int batch) {
        try (Arena arena = Arena.ofShared()) {
            int rows = 2 * Int8Panels.PANEL + 3, cols = 512;
            SplittableRandom rnd = new SplittableRandom(batch * 7L + cols);
            var data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightMatrix m = new WeightMatrix("w", type, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            if (m.repack(pool) == 0) {
                assertFalse(Kernels.forType(type, "w").worthRepacking(), type + " has panels and is worth them here");
                return;
            }
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[batch * rows];
            m.multiplyDecode(x, batch, out, pool, Numerics.FAST);
            WeightKernel kernel = Kernels.forType(type, "w");
            float[] row = new float[cols], rounded = new float[cols];
            for (int b = 0; b < batch; b++) {
                kernel.roundRow(x, b * cols, rounded, 0, cols);
                for (int r = 0; r < rows; r++) {
                    kernel.dequantizeRow(data, cols, r, row, 0);
                    float expected = PackedGemm.chain(rounded, 0, row, 0, 1, cols);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[b * rows + r]), "sequence " + b + ", output " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0, 32, 32, false, false", "Q4_K, 32, 256, true, true", "Q5_K, 32, 256, true, false", "Q6_K, 16, 256, false, false",
            "Q3_K, 16, 256, false, true", "Q2_K, 16, 256, true, true", "IQ4_XS, 32, 256, false, false", "Q4_0, 32, 32, false, true",
            "Q4_1, 32, 32, true, true", "Q5_0, 32, 32, false, false", "Q5_1, 32, 32, true, false", "IQ4_NL, 32, 32, false, false"})
    void panelValuesAreTheDequantizedRows(GgmlType type, int group, int superBlock, boolean hasMins, boolean nibbles) {
        try (Arena arena = Arena.ofShared()) {
            int rows = Int8Panels.PANEL + 5, cols = 512;
            var data = RandomWeights.of(arena, type, rows, cols, new SplittableRandom(3));
            WeightKernel kernel = Kernels.forType(type, "w");
            Int8Panels.RowSource source = kernel.int8Codes(data, cols);
            assertEquals(group, source.group());
            assertEquals(superBlock, source.superBlock());
            assertEquals(hasMins, source.hasMins());
            assertEquals(nibbles, Int8Panels.nibbles(source), "two codes per byte");
            Int8Panels panels = Int8Panels.repack(rows, cols, source, ComputePool.shared());
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                kernel.dequantizeRow(data, cols, r, row, 0);
                for (int k = 0; k < cols; k++) {
                    assertEquals(Float.floatToRawIntBits(row[k]), Float.floatToRawIntBits(panels.value(r, k)), "row " + r + ", column " + k);
                }
            }
            // Per super-block of 256 values (a group, for the flat types): the rows' float scales and
            // minimums, then per group of a two-level type the rows' byte multipliers, then the codes.
            int factors = hasMins ? 2 : 1;
            long perSuperBlock = Int8Panels.PANEL * 4L * factors
                    + (superBlock > group ? (long) superBlock / group * Int8Panels.PANEL * factors : 0)
                    + (long) superBlock * Int8Panels.PANEL / (nibbles ? 2 : 1);
            assertEquals(2L * (cols / superBlock) * perSuperBlock, panels.bytes(), "two panels, the second zero-padded");
            assertEquals(panels.bytes(), Int8Panels.bytesFor(rows, cols, source));
        }
    }

    @Test
    void typesWithoutAnEightBitFormAreNotRepacked() { // F16, BF16, F32 — and so every mmproj of F16
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix m = new WeightMatrix("f16", GgmlType.F16, 8, 64, RandomWeights.of(arena, GgmlType.F16, 8, 64, new SplittableRandom(1)));
            ComputePool pool = ComputePool.shared();
            assertEquals(0, m.repack(pool));
            assertFalse(m.repacked());
        }
    }
}
