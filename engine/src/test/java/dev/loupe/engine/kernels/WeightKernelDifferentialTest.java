package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.bench.RandomWeights;
import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
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
                Arguments.of(GgmlType.Q8_0, 6, 32, 1), Arguments.of(GgmlType.Q8_0, 11, 288, 5),
                Arguments.of(GgmlType.Q8_0, 7, 64, 2), Arguments.of(GgmlType.Q8_0, 9, 96, 8));
    }

    /** Quantized types: shapes reaching every path (vec_dot, repacked GEMV/GEMM, tiled). */
    static Stream<Arguments> quantizedShapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL}) {
            b.add(Arguments.of(t, 8, 96, 1)).add(Arguments.of(t, 7, 64, 3)).add(Arguments.of(t, 16, 160, 6)).add(Arguments.of(t, 5, 32, 9));
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS}) {
            b.add(Arguments.of(t, 8, 512, 1)).add(Arguments.of(t, 7, 768, 1)).add(Arguments.of(t, 7, 256, 5)).add(Arguments.of(t, 8, 768, 9)).add(Arguments.of(t, 3, 512, 8));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}x{2} batch {3}")
    @MethodSource("quantizedShapes")
    void quantizedVectorMatchesScalarAndExactDot(GgmlType type, int rows, int cols, int batch) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal() * 7919L + cols * 31L + batch);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomBlocks(arena, type, rows, cols, rnd, false);
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 97 == 5 ? 30f : 1f);
            WeightKernel vector = Kernels.forMatrix(type, "test", rows);
            WeightKernel scalar = vector.reference();
            Activations a = vector.prepare(x, batch, cols);
            float[] outV = new float[batch * rows], outS = new float[batch * rows];
            vector.multiply(w, cols, a, 0, rows, outV, rows);
            scalar.multiply(w, cols, scalar.prepare(x, batch, cols), 0, rows, outS, rows);
            float[] deq = new float[cols], deqScalar = new float[cols];
            for (int r = 0; r < rows; r++) {
                vector.dequantizeRow(w, cols, r, deq, 0);
                scalar.dequantizeRow(w, cols, r, deqScalar, 0);
                for (int i = 0; i < cols; i++) {
                    assertEquals(Float.floatToRawIntBits(deqScalar[i]), Float.floatToRawIntBits(deq[i]),
                            type + " row " + r + " value " + i + ": vector dequantization vs scalar twin");
                }
                for (int b = 0; b < batch; b++) {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        double xi = (double) a.q8().value(b, i) * a.q8().scale(b, i);
                        exact += deq[i] * xi;
                        magnitude += Math.abs(deq[i] * xi);
                    }
                    // Q8_1 carries s = fp16(d * sum) for the minimum's term: the kernels use it, so must the reference.
                    exact += minimumTermCorrection(vector, w, cols, r, a.q8(), b);
                    String where = type + " row " + r + " batch " + b;
                    assertEquals(outS[b * rows + r], outV[b * rows + r], 0f, "vector vs scalar twin, " + where);
                    assertEquals(exact, outV[b * rows + r], 2e-6 * magnitude + 1e-30, "vector vs exact dot, " + where);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantizedTypes")
    void quantizedTwinsAgreeOnInfiniteAndSubnormalScales(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        int rows = 8, cols = type.blockSize == 256 ? 512 : 128;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomBlocks(arena, type, rows, cols, rnd, true);
            for (int batch : new int[] {1, 4, 9}) {
                float[] x = new float[batch * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                for (int rowsUsed : new int[] {rows, rows - 1}) { // repacked and plain layouts
                    WeightKernel vector = Kernels.forMatrix(type, "test", rowsUsed);
                    WeightKernel scalar = vector.reference();
                    float[] outV = new float[batch * rowsUsed], outS = new float[batch * rowsUsed];
                    vector.multiply(w, cols, vector.prepare(x, batch, cols), 0, rowsUsed, outV, rowsUsed);
                    scalar.multiply(w, cols, scalar.prepare(x, batch, cols), 0, rowsUsed, outS, rowsUsed);
                    int nonFinite = 0;
                    for (int i = 0; i < outV.length; i++) {
                        assertEquals(Float.floatToIntBits(outS[i]), Float.floatToIntBits(outV[i]), type + " batch " + batch + " output " + i + ": " + outV[i] + " vs " + outS[i]);
                        if (!Float.isFinite(outV[i])) nonFinite++;
                    }
                    assertTrue(nonFinite > 0, type + ": rows with an infinite scale must give a non-finite product");
                }
            }
        }
    }

    /** A FAST product's operands: roundRow writes what prepare computes, bit for bit, edge values included. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void roundRowIsPrepareWithoutTheCopies(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal() + 17);
        int cols = 1000;
        float[] x = new float[cols + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-9, 7)));
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 65504f, 65520f, 1e-8f, -6e-8f, Float.MIN_VALUE};
        System.arraycopy(edges, 0, x, 3 + 100, edges.length);
        WeightKernel kernel = Kernels.forType(type, "test");
        float[] expected = kernel.prepare(java.util.Arrays.copyOfRange(x, 3, 3 + cols), 1, cols).toFloats();
        float[] actual = new float[cols + 2];
        kernel.roundRow(x, 3, actual, 2, cols);
        for (int i = 0; i < cols; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[2 + i]), type + " value " + i + ": " + x[3 + i]);
        }
    }

    static Stream<GgmlType> quantizedTypes() {
        return Stream.of(GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL,
                GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS);
    }

    /** For Q4_1/Q5_1: sum over blocks of m_w * (s_x - d_x * sum(q_x)). */
    static double minimumTermCorrection(WeightKernel k, MemorySegment w, int cols, int r, Q8Rows x, int b) {
        if (!(k instanceof BlockKernel bk) || !bk.hasMin()) return 0;
        double c = 0;
        int blocks = cols / 32;
        byte[] raw = new byte[blocks * bk.type.blockBytes];
        bk.copyRow(w, cols, r, raw);
        for (int blk = 0; blk < blocks; blk++) {
            long sum = 0;
            for (int i = 0; i < 32; i++) sum += x.value(b, blk * 32 + i);
            c += bk.m(raw, blk * bk.type.blockBytes) * ((double) x.s[b * blocks + blk] - (double) x.d[b * blocks + blk] * sum);
        }
        return c;
    }

    /** Byte offsets of the fp16 scale fields (d, dmin or m) of each quantized type's block. */
    /**
     * Random blocks: every bit pattern of the integer fields is a valid block, so they are
     * random bytes; the fp16 scales are drawn in a realistic range, one block in seven with a
     * subnormal scale, and with {@code specials} one block in five with an infinite one.
     */
    static MemorySegment randomBlocks(Arena arena, GgmlType type, int rows, int cols, SplittableRandom rnd, boolean specials) {
        long blocks = (long) rows * cols / type.blockSize;
        MemorySegment w = arena.allocate(blocks * type.blockBytes, 64);
        for (long blk = 0; blk < blocks; blk++) {
            long off = blk * type.blockBytes;
            for (int i = 0; i < type.blockBytes; i++) w.set(ValueLayout.JAVA_BYTE, off + i, (byte) rnd.nextInt(256));
            for (int f : RandomWeights.halfFields(type)) {
                float v = blk % 7 == 3 ? 3.0e-7f : (float) (0.002 + rnd.nextDouble() * 0.02);
                if (specials && blk % 5 == 1) v = f == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                w.set(Layouts.I16, off + f, Float.floatToFloat16(v));
            }
        }
        return w;
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
