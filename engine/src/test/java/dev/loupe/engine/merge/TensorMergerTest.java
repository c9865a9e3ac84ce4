package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorMergerTest {

    static GgufTensor f32(String name, float[] values, long... ne) {
        return new GgufTensor(name, GgmlType.F32, ne, 0, MemorySegment.ofArray(values));
    }

    /** A stack of two 8 x 12 matrices merges matrix by matrix, each with its own knee, and the bytes are each merge encoded. */
    @Test
    void stackedMatricesMergeOneByOne() {
        int cols = 8, rows = 12;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] text = DeltaMergeTest.gaussian(rnd, 2 * rows * cols, 0.1);
        float[] vision = text.clone();
        double[] first = DeltaMergeTest.lowRank(rnd, rows, cols, new double[] {5, 0.01});      // knee after 1
        double[] second = DeltaMergeTest.lowRank(rnd, rows, cols, new double[] {5, 4, 3, 0.01}); // knee after 3
        for (int i = 0; i < rows * cols; i++) {
            vision[i] += (float) first[i];
            vision[rows * cols + i] += (float) second[i];
        }
        var pair = TensorPairing.decide(f32("blk.0.ffn_up_exps.weight", vision, cols, rows, 2), f32("blk.0.ffn_up_exps.weight", text, cols, rows, 2));
        TensorMerger.MergedTensor m = TensorMerger.merge(pair, OutputType.F32);
        assertNull(m.report().k());
        assertEquals(List.of(1, 3), m.report().sliceK());
        assertEquals(GgmlType.F32, m.type());
        float[] expected = new float[2 * rows * cols];
        for (int s = 0; s < 2; s++) {
            float[] v = java.util.Arrays.copyOfRange(vision, s * rows * cols, (s + 1) * rows * cols);
            float[] t = java.util.Arrays.copyOfRange(text, s * rows * cols, (s + 1) * rows * cols);
            System.arraycopy(DeltaMerge.merge(v, t, rows, cols).merged(), 0, expected, s * rows * cols, rows * cols);
        }
        byte[] bytes = new byte[expected.length * 4];
        WeightEncoder.encode(GgmlType.F32, expected, expected.length, bytes);
        assertArrayEquals(bytes, m.bytes());
        assertTrue(m.report().line().contains("k=[1, 3]"), m.report().line());
    }

    /** Q8_0 needs rows of whole 32-value blocks: an 8-wide matrix falls back to F16, a 32-wide one is Q8_0. */
    @Test
    void q8_0FallsBackToF16ForShortRows() {
        assertEquals(GgmlType.F16, OutputType.Q8_0.typeFor(f32("a.weight", new float[8 * 4], 8, 4)));
        assertEquals(GgmlType.Q8_0, OutputType.Q8_0.typeFor(f32("a.weight", new float[32 * 4], 32, 4)));
        assertEquals(GgmlType.F32, OutputType.SAME.typeFor(f32("a.weight", new float[32 * 4], 32, 4)));
        GgufTensor q4k = new GgufTensor("b.weight", GgmlType.Q4_K, new long[] {256, 1}, 0, MemorySegment.ofArray(new byte[144]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputType.SAME.typeFor(q4k));
        assertTrue(e.getMessage().contains("b.weight is Q4_K"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutputType.parse("Q4_K"));
    }
}
