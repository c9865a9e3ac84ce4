package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loupe.engine.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bit-exactness against what llama.cpp's CPU backend (libggml 0.27.0, haswell variant)
 * computes: the matrix products and dequantized rows in {@code src/test/resources/ggml/}
 * (see its README for how they were made). Each case covers one type and shape at several
 * batch sizes, so every path ggml takes (vec_dot, tinyBLAS, repacked GEMV/GEMM, tiled) is
 * checked where it applies.
 */
class GgmlReferenceTest {
    static final Path DIR = Path.of("src/test/resources/ggml/matmul");

    record Case(String name, GgmlType type, int rows, int cols, int[] batches) {
        @Override public String toString() { return name; }
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("cases.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t");
            int[] batches = Arrays.stream(f[4].split(",")).mapToInt(Integer::parseInt).toArray();
            out.add(Arguments.of(new Case(f[0], GgmlType.valueOf(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]), batches)));
        }
        return out.stream();
    }

    static float[] floats(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void dequantizationMatchesGgml(Case c) throws IOException {
        MemorySegment w = MemorySegment.ofArray(Files.readAllBytes(DIR.resolve(c.name + ".w.bin")));
        float[] expected = floats(DIR.resolve(c.name + ".deq.bin"));
        WeightKernel k = Kernels.forMatrix(c.type, c.name, c.rows);
        float[] row = new float[c.cols];
        for (int r = 0; r < expected.length / c.cols; r++) {
            k.dequantizeRow(w, c.cols, r, row, 0);
            for (int i = 0; i < c.cols; i++) {
                if (Float.floatToRawIntBits(row[i]) != Float.floatToRawIntBits(expected[r * c.cols + i])) {
                    fail(c.name + " dequantized row " + r + " value " + i + ": " + row[i] + ", ggml " + expected[r * c.cols + i]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matrixProductsMatchGgmlBitForBit(Case c) throws IOException {
        MemorySegment w = MemorySegment.ofArray(Files.readAllBytes(DIR.resolve(c.name + ".w.bin")));
        float[] xAll = floats(DIR.resolve("x" + c.cols + ".bin"));
        WeightKernel vector = Kernels.forMatrix(c.type, c.name, c.rows);
        WeightKernel scalar = vector.reference();
        List<String> mismatches = new ArrayList<>();
        for (int batch : c.batches) {
            float[] expected = floats(DIR.resolve(c.name + ".y" + batch + ".bin"));
            float[] x = Arrays.copyOf(xAll, batch * c.cols);
            float[] outV = new float[batch * c.rows], outS = new float[batch * c.rows];
            vector.multiply(w, c.cols, vector.prepare(x, batch, c.cols), 0, c.rows, outV, c.rows);
            scalar.multiply(w, c.cols, scalar.prepare(x, batch, c.cols), 0, c.rows, outS, c.rows);
            int bad = 0;
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(outS[i], outV[i], 0f, c.name + " batch " + batch + " output " + i + ": vector vs scalar twin");
                if (Float.floatToRawIntBits(outV[i]) != Float.floatToRawIntBits(expected[i])) {
                    bad++;
                    worst = Math.max(worst, Math.abs((double) outV[i] - expected[i]) / Math.max(1e-30, Math.abs(expected[i])));
                }
            }
            if (bad > 0) mismatches.add("batch " + batch + ": " + bad + "/" + expected.length + " differ (max rel " + worst + ")");
        }
        if (!mismatches.isEmpty()) fail(c.name + " (" + vector.getClass().getSimpleName() + "): " + String.join("; ", mismatches));
    }
}
