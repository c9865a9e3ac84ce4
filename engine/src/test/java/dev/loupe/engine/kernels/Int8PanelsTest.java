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
 * Quantized weights repacked at load into panels of codes: every value the panels hold is the
 * one {@code dequantizeRow} writes; and a FAST product from them — a prompt's rows or a decode
 * step's, one row or a batch — gives bit for bit, for every output, the group-ordered sum
 * {@link #reference} spells out in scalar arithmetic (so a row's floats do not depend on its
 * batch, nor a decode step's on the prompt path), within rounding of the single FMA chain over
 * the dequantized row that packing the widened rows per call computes.
 */
class Int8PanelsTest {

    @ParameterizedTest(name = "{0} {1} x {2}, batch {3}")
    @CsvSource({"Q8_0, 50, 96, 16", "Q8_0, 48, 64, 17", "Q8_0, 7, 32, 19", "Q8_0, 130, 640, 21", "Q8_0, 24, 1056, 64",
            "Q4_K, 50, 256, 16", "Q4_K, 30, 512, 19", "Q5_K, 25, 256, 17", "Q6_K, 50, 512, 16", "Q6_K, 7, 256, 20",
            "Q3_K, 26, 256, 16", "Q2_K, 26, 256, 18", "IQ4_XS, 26, 256, 16",
            "Q4_0, 50, 96, 16", "Q4_1, 30, 64, 17", "Q5_0, 25, 576, 16", "Q5_1, 26, 96, 19", "IQ4_NL, 26, 128, 16"})
    void repackedPrefillIsTheGroupOrderedSumAndWithinRoundingOfPackingPerCall(GgmlType type, int rows, int cols, int batch) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
            var data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightMatrix plain = new WeightMatrix("plain", type, rows, cols, data);
            WeightMatrix repacked = new WeightMatrix("repacked", type, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            assertTrue(repacked.repack(pool) > 0, type + " repacks");
            assertTrue(repacked.repacked());
            assertFalse(plain.repacked());

            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] packed = new float[batch * rows], actual = new float[batch * rows];
            plain.multiply(x, batch, packed, pool, Numerics.FAST);
            repacked.multiply(x, batch, actual, pool, Numerics.FAST);
            assertProducts(type, data, rows, cols, x, batch, actual, packed);
        }
    }

    /**
     * A decode step's product of repacked weights (a lone row or a batch of them) reads the
     * panels: each output is the group-ordered sum, the same floats as in any other batch.
     */
    @ParameterizedTest(name = "{0}, batch {1}")
    @CsvSource({"Q8_0, 1", "Q8_0, 2", "Q8_0, 3", "Q8_0, 4", "Q8_0, 5", "Q8_0, 8", "Q4_K, 1", "Q4_K, 2", "Q4_K, 3", "Q4_K, 4", "Q4_K, 5", "Q4_K, 8", "Q6_K, 1", "Q6_K, 2", "Q6_K, 3", "Q6_K, 4", "Q6_K, 7", "Q6_K, 8", "Q5_0, 1",
            "Q4_1, 4", "Q4_1, 1", "Q4_0, 1", "Q4_0, 7", "Q3_K, 2", "Q3_K, 1", "Q2_K, 9", "Q2_K, 6", "Q5_K, 1", "Q5_K, 6", "IQ4_NL, 2", "IQ4_XS, 8"})
    void repackedDecodeProductsAreTheGroupOrderedSumInAnyBatch(GgmlType type, int batch) {
        try (Arena arena = Arena.ofShared()) {
            int rows = 2 * Int8Panels.PANEL + 3, cols = 512;
            SplittableRandom rnd = new SplittableRandom(batch * 7L + cols);
            var data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightMatrix m = new WeightMatrix("w", type, rows, cols, data);
            ComputePool pool = ComputePool.shared();
            assertTrue(m.repack(pool) > 0, type + " repacks");
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[batch * rows], packed = new float[batch * rows];
            m.multiplyDecode(x, batch, out, pool, Numerics.FAST);
            // Not repacked, a decode product stripes each dequantized row over the same rounded activations.
            new WeightMatrix("plain", type, rows, cols, data).multiplyDecode(x, batch, packed, pool, Numerics.FAST);
            assertProducts(type, data, rows, cols, x, batch, out, packed);
            // Each sequence alone: the same floats.
            for (int b = 0; b < batch; b++) {
                float[] alone = new float[rows];
                m.multiplyDecode(java.util.Arrays.copyOfRange(x, b * cols, (b + 1) * cols), 1, alone, pool, Numerics.FAST);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(out[b * rows + r]), Float.floatToRawIntBits(alone[r]), "sequence " + b + " alone, output " + r);
                }
            }
        }
    }

    /**
     * A lone row's step takes the panels two at a time, whatever range a thread is given: an
     * odd first or last panel, a narrow last one, a panel paired with itself — every output is
     * {@link #reference}'s float, nothing outside the range is written.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_K", "Q6_K", "Q4_0", "Q5_K", "IQ4_XS"})
    void loneRowPanelRangesOfAnyParityGiveTheGroupOrderedSum(GgmlType type) {
        try (Arena arena = Arena.ofShared()) {
            int rows = 4 * Int8Panels.PANEL + 5, cols = 512, panelCount = Int8Panels.panelCount(rows);
            SplittableRandom rnd = new SplittableRandom(11);
            var data = RandomWeights.of(arena, type, rows, cols, rnd);
            WeightKernel kernel = Kernels.forType(type, "w");
            Int8Panels panels = Int8Panels.repack(rows, cols, kernel.int8Codes(data, cols), ComputePool.shared());
            float[] x = new float[cols];
            for (int k = 0; k < cols; k++) x[k] = (float) rnd.nextGaussian();
            PanelActivations activations = PanelActivations.ofRow(kernel, panels, x, 0);
            float[] rounded = activations.values();
            for (int p0 = 0; p0 < panelCount; p0++) {
                for (int p1 = p0 + 1; p1 <= panelCount; p1++) {
                    float[] out = new float[rows + 2];
                    java.util.Arrays.fill(out, Float.NaN);
                    panels.multiplyPanels(activations, p0, p1, out, 1 + p0 * Int8Panels.PANEL, rows);
                    for (int r = 0; r < rows; r++) {
                        boolean inside = r >= p0 * Int8Panels.PANEL && r < p1 * Int8Panels.PANEL;
                        float want = inside ? reference(panels, rounded, r, cols) : Float.NaN;
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[1 + r]),
                                "panels [" + p0 + ", " + p1 + "), row " + r);
                    }
                    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[rows + 1]), "panels [" + p0 + ", " + p1 + ") wrote outside its outputs");
                }
            }
        }
    }

    /**
     * The types whose panels hold 4-bit codes, and only they, round a row to integers times
     * narrow scales — the same floats as their roundRow — so their lone rows can take the
     * integer tile.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_K", "Q5_K", "Q6_K", "Q3_K", "Q2_K", "IQ4_XS", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    void fourBitPanelsAndIntegerActivationsGoTogether(GgmlType type) {
        try (Arena arena = Arena.ofShared()) {
            int rows = Int8Panels.PANEL, cols = 512;
            SplittableRandom rnd = new SplittableRandom(3);
            WeightKernel kernel = Kernels.forType(type, "w");
            Int8Panels panels = Int8Panels.repack(rows, cols, kernel.int8Codes(RandomWeights.of(arena, type, rows, cols, rnd), cols), ComputePool.shared());
            float[] x = new float[cols], rounded = new float[cols], viaIntegers = new float[cols], scales = new float[cols / panels.group()];
            short[] integers = new short[cols];
            for (int k = 0; k < cols; k++) x[k] = (float) rnd.nextGaussian();
            kernel.roundRow(x, 0, rounded, 0, cols);
            boolean asIntegers = kernel.roundRowToIntegers(x, 0, viaIntegers, integers, scales, panels.group(), cols);
            assertEquals(panels.fourBitCodes(), asIntegers, type + ": 4-bit panels, integer activations");
            if (!asIntegers) return;
            for (int k = 0; k < cols; k++) {
                assertEquals(Float.floatToRawIntBits(rounded[k]), Float.floatToRawIntBits(viaIntegers[k]), "value " + k);
                assertEquals(rounded[k], integers[k] * scales[k / panels.group()], 0f, "value " + k);
            }
        }
    }

    /**
     * Every output equals {@link #reference} bit for bit, and the single FMA chain over the
     * dequantized row (what packing widened rows per call gives: {@code packed}) within rounding:
     * a few ulps of the sum of the products' magnitudes.
     */
    private static void assertProducts(GgmlType type, java.lang.foreign.MemorySegment data, int rows, int cols, float[] x, int batch,
                                       float[] actual, float[] packed) {
        WeightKernel kernel = Kernels.forType(type, "w");
        Int8Panels panels = Int8Panels.repack(rows, cols, kernel.int8Codes(data, cols), ComputePool.shared());
        float[] rounded = new float[cols], row = new float[cols];
        for (int b = 0; b < batch; b++) {
            kernel.roundRow(x, b * cols, rounded, 0, cols);
            for (int r = 0; r < rows; r++) {
                float got = actual[b * rows + r];
                assertEquals(Float.floatToRawIntBits(reference(panels, rounded, r, cols)), Float.floatToRawIntBits(got),
                        "sequence " + b + ", output " + r);
                kernel.dequantizeRow(data, cols, r, row, 0);
                double magnitude = 0;
                for (int k = 0; k < cols; k++) magnitude += Math.abs((double) rounded[k] * row[k]);
                assertEquals(packed[b * rows + r], got, 1e-5 * magnitude + 1e-30, "sequence " + b + ", output " + r + " against the dequantized chain");
            }
        }
    }

    /**
     * The panels' product in scalar arithmetic: per group in column order, the stored codes
     * times the activations (one FMA chain from zero), scaled once, plus the group's correction
     * (code offset and minimum) times the activations' sum (a chain of additions from zero).
     */
    static float reference(Int8Panels panels, float[] a, int r, int cols) {
        int g = panels.group();
        float x = 0f;
        for (int k0 = 0; k0 < cols; k0 += g) {
            float y = 0f, sum = 0f;
            for (int k = k0; k < k0 + g; k++) {
                y = Math.fma(a[k], panels.storedCode(r, k), y);
                sum += a[k];
            }
            float[] f = panels.factors(r, k0);
            x = Math.fma(sum, f[1], Math.fma(y, f[0], x));
        }
        return x;
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
            // Per super-block of 256 values (a group, for the flat types) a header: the rows' float
            // scales and minimums, then per group of a two-level type the rows' byte multipliers;
            // after a panel's headers, its codes.
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
