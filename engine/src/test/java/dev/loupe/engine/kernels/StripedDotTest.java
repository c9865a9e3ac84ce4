package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The striped dot product of FAST decode steps: every implementation (16- and 8-lane, one row
 * or four, from a float row or from Q8_0 blocks) gives the definition's float, and a row's
 * result is the same in any batch.
 */
class StripedDotTest {

    /** Hand-checked: the fold's first step cancels the two large stripes before the small ones are added. */
    @Test
    void foldsTheStripesInTheDefinedTree() {
        float[] w = new float[32], x = new float[32];
        java.util.Arrays.fill(x, 1f);
        w[0] = 1e8f;
        w[16] = -1e8f;
        for (int k = 1; k < 16; k++) w[k] = 1f;
        // Stripes: p0 = 1e8, p16 = -1e8, p1..p15 = 1. Tree: p0 + p16 = 0 first, then fifteen ones: 15.
        assertEquals(15f, StripedDot.reference(w, 0, x, 0, 32), 0f);
        assertEquals(15f, StripedDot.dotWide(w, 0, x, 0, 32), 0f);
        assertEquals(15f, StripedDot.dotNarrow(w, 0, x, 0, 32), 0f);
        // A sequential sum loses the ones in 1e8's ulp (8) and ends at 0: the order is what is tested.
        float sequential = 0f;
        for (int k = 0; k < 32; k++) sequential = Math.fma(w[k], x[k], sequential);
        assertNotEquals(15f, sequential);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {0, 1, 5, 31, 32, 33, 64, 100, 576, 1000, 2560})
    void vectorImplementationsEqualTheDefinition(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] w = new float[n + 3], x = new float[n + 5];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * (i % 13 == 0 ? 1e4f : 1f);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float expected = StripedDot.reference(w, 3, x, 5, n);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(StripedDot.dotWide(w, 3, x, 5, n)), "16-lane");
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(StripedDot.dotNarrow(w, 3, x, 5, n)), "8-lane");
    }

    @ParameterizedTest(name = "cols {0}")
    @ValueSource(ints = {32, 40, 576})
    void aRowGetsTheSameFloatInAnyBatch(int cols) {
        SplittableRandom rnd = new SplittableRandom(cols);
        int batch = 11;
        float[] w = new float[cols], x = new float[batch * cols];
        for (int i = 0; i < cols; i++) w[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int size = 1; size <= batch; size++) {
            float[] out = new float[size * 3];
            StripedDot.multiplyRow(w, x, size, cols, out, 1, 3);
            for (int b = 0; b < size; b++) {
                assertEquals(Float.floatToRawIntBits(StripedDot.reference(w, 0, x, b * cols, cols)), Float.floatToRawIntBits(out[b * 3 + 1]),
                        "row " + b + " of a batch of " + size);
            }
        }
    }

    static Stream<Arguments> types() {
        return Stream.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
                GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.IQ4_XS).map(Arguments::of);
    }

    /**
     * Every type's striped product ({@link WeightKernel#multiplyStriped}, from the mapping where
     * a type reads it so) is the definition applied to its dequantized rows and rounded
     * activations, whatever the batch; and its rounded activations are ggml's quantization.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void everyTypesStripedProductIsTheDefinition(GgmlType type) {
        int rows = 16, cols = 512, batch = 9;
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = type.blockSize == 1 ? WeightKernelDifferentialTest.randomWeights(arena, type, rows, cols, rnd)
                    : WeightKernelDifferentialTest.randomBlocks(arena, type, rows, cols, rnd, false);
            WeightKernel kernel = Kernels.forMatrix(type, "test", rows);
            float[] input = new float[batch * cols];
            for (int i = 0; i < input.length; i++) input[i] = (float) rnd.nextGaussian() * (i % 97 == 5 ? 30f : 1f);
            float[] x = new float[batch * cols];
            for (int b = 0; b < batch; b++) {
                kernel.roundRow(input, b * cols, x, b * cols, cols);
                float[] ggml = kernel.reference().prepare(java.util.Arrays.copyOfRange(input, b * cols, (b + 1) * cols), 1, cols).toFloats();
                // 4-bit types: ggml's integers times its block scales rounded to 8 significant bits.
                short[] integers = new short[cols];
                float[] scales = new float[cols / 16], viaIntegers = new float[cols];
                boolean fourBit = kernel.roundRowToIntegers(input, b * cols, viaIntegers, integers, scales, 16, cols);
                for (int i = 0; i < cols; i++) {
                    if (fourBit) {
                        assertEquals(integers[i] * scales[i / 16], x[b * cols + i], 0f, type + " activation " + b + "/" + i);
                        assertEquals(ggml[i], x[b * cols + i], Math.abs(ggml[i]) * 0x1p-8f, type + " activation " + b + "/" + i);
                    } else {
                        assertEquals(Float.floatToRawIntBits(ggml[i]), Float.floatToRawIntBits(x[b * cols + i]), type + " activation " + b + "/" + i);
                    }
                }
            }
            float[] row = new float[cols];
            for (int size : new int[] {1, 2, 4, 5, 9}) {
                float[] out = new float[size * rows];
                kernel.multiplyStriped(w, cols, x, size, 0, rows, out, rows);
                for (int r = 0; r < rows; r++) {
                    kernel.reference().dequantizeRow(w, cols, r, row, 0);
                    for (int b = 0; b < size; b++) {
                        assertEquals(Float.floatToRawIntBits(StripedDot.reference(row, 0, x, b * cols, cols)), Float.floatToRawIntBits(out[b * rows + r]),
                                type + " row " + r + ", activation " + b + " of " + size);
                    }
                }
            }
        }
    }
}
