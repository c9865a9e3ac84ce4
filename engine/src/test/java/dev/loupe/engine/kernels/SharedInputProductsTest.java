package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Matrices multiplied as one pool job — sharing an input (a layer's q/k/v), or each with its
 * own (MLA's per-head matrices) — give each output the float their own products give.
 */
class SharedInputProductsTest {

    @ParameterizedTest(name = "{0} + {1} + {2}, batch {3}, {4}")
    @CsvSource({"Q8_0, Q8_0, F16, 1, FAST", "Q8_0, Q4_0, Q8_0, 3, FAST", "Q4_K, Q6_K, Q4_K, 1, FAST", "Q4_K, Q6_K, Q8_0, 5, FAST",
            "Q8_0, Q4_K, F16, 2, EXACT"})
    void oneJobEqualsOneProductEach(GgmlType a, GgmlType b, GgmlType c, int batch, Numerics numerics) {
        int cols = 512;
        int[] rows = {40, 24, 17};
        GgmlType[] types = {a, b, c};
        SplittableRandom rnd = new SplittableRandom(batch * 31L + a.ordinal());
        ComputePool pool = new ComputePool(2);
        try (Arena arena = Arena.ofShared()) { // the pool's threads read the weights
            WeightMatrix[] ms = new WeightMatrix[3];
            for (int i = 0; i < 3; i++) {
                var data = types[i].blockSize == 1 ? WeightKernelDifferentialTest.randomWeights(arena, types[i], rows[i], cols, rnd)
                        : WeightKernelDifferentialTest.randomBlocks(arena, types[i], rows[i], cols, rnd, false);
                ms[i] = new WeightMatrix("m" + i, types[i], rows[i], cols, data);
            }
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[][] together = new float[3][];
            for (int i = 0; i < 3; i++) together[i] = new float[batch * rows[i]];
            WeightMatrix.multiplyDecode(ms, x, batch, together, pool, numerics);
            for (int i = 0; i < 3; i++) {
                float[] alone = new float[batch * rows[i]];
                ms[i].multiplyDecode(x, batch, alone, pool, numerics);
                for (int j = 0; j < alone.length; j++) {
                    assertEquals(Float.floatToRawIntBits(alone[j]), Float.floatToRawIntBits(together[i][j]), types[i] + " matrix " + i + " output " + j);
                }
            }
        }
    }

    /**
     * Per-head products with their own inputs, as one job: equal to each matrix's own product,
     * in a decode step and in a prompt below the packing threshold (batch 1 includes a K-quant
     * row outside a decode step, which keeps ggml's kernel with fast numerics), both numerics.
     */
    @ParameterizedTest(name = "{0} + {1}, batch {2}, {3}, decode step {4}")
    @CsvSource({"Q8_0, F16, 1, FAST, true", "Q8_0, F16, 1, FAST, false", "Q4_K, Q5_0, 1, FAST, false", "Q4_K, Q6_K, 3, FAST, true",
            "Q4_K, Q6_K, 3, FAST, false", "Q8_0, Q4_K, 2, EXACT, true", "F16, Q5_0, 1, EXACT, false", "F16, Q8_0, 20, FAST, false"})
    void oneJobWithInputsOfTheirOwnEqualsOneProductEach(GgmlType a, GgmlType b, int batch, Numerics numerics, boolean decodeStep) {
        int cols = 256;
        int[] rows = {33, 48};
        GgmlType[] types = {a, b};
        SplittableRandom rnd = new SplittableRandom(batch * 17L + b.ordinal());
        ComputePool pool = new ComputePool(2);
        try (Arena arena = Arena.ofShared()) {
            WeightMatrix[] ms = new WeightMatrix[2];
            float[][] inputs = new float[2][batch * cols], together = new float[2][];
            for (int i = 0; i < 2; i++) {
                var data = types[i].blockSize == 1 ? WeightKernelDifferentialTest.randomWeights(arena, types[i], rows[i], cols, rnd)
                        : WeightKernelDifferentialTest.randomBlocks(arena, types[i], rows[i], cols, rnd, false);
                ms[i] = WeightMatrix.sliceOfStack("head" + i, types[i], rows[i], cols, data);
                for (int j = 0; j < inputs[i].length; j++) inputs[i][j] = (float) rnd.nextGaussian();
                together[i] = new float[batch * rows[i]];
            }
            WeightMatrix.multiplyEach(ms, inputs, batch, together, pool, numerics, decodeStep);
            for (int i = 0; i < 2; i++) {
                float[] alone = new float[batch * rows[i]];
                if (decodeStep) {
                    ms[i].multiplyDecode(inputs[i], batch, alone, pool, numerics);
                } else {
                    ms[i].multiply(inputs[i], batch, alone, pool, numerics);
                }
                for (int j = 0; j < alone.length; j++) {
                    assertEquals(Float.floatToRawIntBits(alone[j]), Float.floatToRawIntBits(together[i][j]), types[i] + " head " + i + " output " + j);
                }
            }
        }
    }
}
