package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each Vector API kernel against its scalar twin, and both against a double-precision dot of
 * the dequantized weights with the prepared activations.
 */
class WeightKernelDifferentialTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(GgmlType.F32, 7, 37, 1), Arguments.of(GgmlType.F32, 5, 256, 3),
                Arguments.of(GgmlType.F16, 7, 37, 1), Arguments.of(GgmlType.F16, 9, 100, 4),
                Arguments.of(GgmlType.BF16, 7, 37, 2), Arguments.of(GgmlType.BF16, 3, 264, 1),
                Arguments.of(GgmlType.Q8_0, 6, 32, 1), Arguments.of(GgmlType.Q8_0, 11, 288, 5));
    }

    @ParameterizedTest(name = "{0} {1}x{2} batch {3}")
    @MethodSource("shapes")
    void vectorMatchesScalarAndExactDot(GgmlType type, int rows, int cols, int batch) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal() * 1000L + cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomWeights(arena, type, rows, cols, rnd);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            WeightKernel vector = Kernels.forType(type, "test");
            WeightKernel scalar = vector.reference();
            Activations a = vector.prepare(x, batch, cols);
            float[] outV = new float[batch * rows];
            float[] outS = new float[batch * rows];
            vector.multiply(w, cols, a, 0, rows, outV, rows);
            scalar.multiply(w, cols, scalar.prepare(x, batch, cols), 0, rows, outS, rows);

            float[] deq = new float[cols];
            float[] deqS = new float[cols];
            for (int r = 0; r < rows; r++) {
                vector.dequantizeRow(w, cols, r, deq, 0);
                scalar.dequantizeRow(w, cols, r, deqS, 0);
                for (int i = 0; i < cols; i++) assertEquals(deqS[i], deq[i], 0f, "dequantized row " + r + " col " + i);
                for (int b = 0; b < batch; b++) {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        double xi = activationValue(a, b, i);
                        exact += (double) deq[i] * xi;
                        magnitude += Math.abs((double) deq[i] * xi);
                    }
                    double tol = 1e-5 * magnitude + 1e-30;
                    assertEquals(exact, outV[b * rows + r], tol, "vector row " + r + " batch " + b);
                    assertEquals(exact, outS[b * rows + r], tol, "scalar row " + r + " batch " + b);
                    // Both twins sum in ggml's order: bit-identical.
                    assertEquals(outS[b * rows + r], outV[b * rows + r], 0f, "vector vs scalar row " + r + " batch " + b);
                }
            }
        }
    }

    /** The value a prepared activation stands for (block integer times its scale for Q8_0). */
    static double activationValue(Activations a, int b, int i) {
        int idx = b * a.cols() + i;
        if (a.scales() == null) return a.values()[idx];
        int block = idx / 32;
        return (double) a.values()[block * 32 + Q8_0Kernel.transposed(idx % 32)] * a.scales()[block];
    }

    static MemorySegment randomWeights(Arena arena, GgmlType type, int rows, int cols, SplittableRandom rnd) {
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment w = arena.allocate(bytes, 64);
        switch (type) {
            case F32 -> { for (long i = 0; i < (long) rows * cols; i++) w.set(Layouts.F32, 4 * i, (float) rnd.nextGaussian()); }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    // Include subnormals and values near the fp16 range limits.
                    float v = switch ((int) (i % 17)) {
                        case 3 -> 3.0e-6f;
                        case 5 -> -6.0e4f;
                        default -> (float) rnd.nextGaussian();
                    };
                    w.set(Layouts.I16, 2 * i, Float.floatToFloat16(v));
                }
            }
            case BF16 -> { for (long i = 0; i < (long) rows * cols; i++) w.set(Layouts.I16, 2 * i, Layouts.floatToBf16((float) rnd.nextGaussian())); }
            case Q8_0 -> {
                for (long blk = 0; blk < bytes / 34; blk++) {
                    long off = blk * 34;
                    float d = blk % 7 == 3 ? 1.0e-7f : (float) (0.01 + rnd.nextDouble() * 0.1); // one subnormal-scale block in seven
                    w.set(Layouts.I16, off, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) w.set(ValueLayout.JAVA_BYTE, off + 2 + j, (byte) (rnd.nextInt(255) - 127));
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return w;
    }

    @org.junit.jupiter.api.Test
    void f16WidensInfinityNaNAndSubnormalsExactly() {
        short[] specials = {0x7c00, (short) 0xfc00, 0x7e00, 0x0001, (short) 0x8001, 0x03ff, 0x0400, 0x7bff, 0};
        try (Arena arena = Arena.ofConfined()) {
            int n = 16;
            MemorySegment w = arena.allocate(2L * n, 64);
            for (int i = 0; i < n; i++) w.set(Layouts.I16, 2L * i, specials[i % specials.length]);
            float[] out = new float[n];
            Kernels.forType(GgmlType.F16, "t").dequantizeRow(w, n, 0, out, 0);
            for (int i = 0; i < n; i++) {
                float expected = Float.float16ToFloat(specials[i % specials.length]);
                assertTrue(Float.compare(expected, out[i]) == 0 || (Float.isNaN(expected) && Float.isNaN(out[i])),
                        "half 0x" + Integer.toHexString(specials[i % specials.length] & 0xffff) + ": " + out[i] + " vs " + expected);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void q8ActivationQuantizationFollowsGgml() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.5f;
        x[5] = 2.5f * 8f / 127f * 127f / 8f; // exactly representable half-way cases round to even
        Activations a = Q8_0Kernel.quantize(x, 1, 32);
        float amax = 8f;
        assertEquals(Layouts.roundF16(amax / 127f), a.scales()[0], 0f);
        for (int i = 0; i < 32; i++) {
            assertEquals(Math.rint(x[i] * (127f / amax)), a.values()[Q8_0Kernel.transposed(i)], 0f, "q[" + i + "]");
        }
        float[] zeros = new float[32];
        Activations z = Q8_0Kernel.quantize(zeros, 1, 32);
        assertEquals(0f, z.scales()[0]);
    }
}
