package dev.loupe.engine.bench;

import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.Layouts;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Valid random weight matrices of every type Loupe computes with, for kernel benchmarks and
 * tests. Float types and Q8_0 are encoded from Gaussian values as ggml's reference
 * quantizers would; for the other block formats every bit pattern of the integer fields is a
 * valid block, so those are random bytes with the fp16 scales drawn in a realistic range
 * (random bits there would give infinities and NaNs, which no real file has).
 */
public final class RandomWeights {
    private RandomWeights() {}

    /** {@code rows x cols} weights of {@code type}, 64-byte aligned in {@code arena}. */
    public static MemorySegment of(Arena arena, GgmlType type, int rows, int cols, SplittableRandom rnd) {
        if (!Kernels.supports(type)) throw new IllegalArgumentException("no kernel for " + type);
        long rowBytes = type.bytesFor(cols);
        MemorySegment w = arena.allocate(rowBytes * rows, 64);
        if (WeightEncoder.supports(type)) {
            float[] row = new float[cols];
            byte[] encoded = new byte[Math.toIntExact(rowBytes)];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) row[c] = (float) (0.02 * rnd.nextGaussian());
                WeightEncoder.encode(type, row, cols, encoded);
                MemorySegment.copy(MemorySegment.ofArray(encoded), 0, w, r * rowBytes, rowBytes);
            }
            return w;
        }
        long blocks = (long) rows * cols / type.blockSize;
        for (long blk = 0; blk < blocks; blk++) {
            long off = blk * type.blockBytes;
            for (int i = 0; i < type.blockBytes; i++) w.set(ValueLayout.JAVA_BYTE, off + i, (byte) rnd.nextInt(256));
            for (int f : halfFields(type)) w.set(Layouts.I16, off + f, Float.floatToFloat16((float) (0.002 + rnd.nextDouble() * 0.02)));
        }
        return w;
    }

    /** Byte offsets of the fp16 fields (scales, minimums) within one block of a quantized type. */
    public static int[] halfFields(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type + " has no fp16 block fields");
        };
    }
}
