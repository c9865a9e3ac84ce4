package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The block layouts of ggml's 32-value quantized types (ggml-common.h) and their
 * dequantization (ggml-quants.c). The integers are the ones ggml's AVX2 dot products multiply.
 */
final class BlockFormats {
    /** IQ4_NL / IQ4_XS's non-linear 4-bit values. */
    static final int[] IQ4_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private BlockFormats() {}

    static int u8(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    /** Low nibbles of 16 bytes are values 0..15, high nibbles values 16..31. */
    static int nibble(MemorySegment w, long qs, int i) {
        int b = u8(w, qs + (i & 15));
        return i < 16 ? b & 0xf : b >> 4;
    }

    /** Q4_0: d, 16 bytes of nibbles; value = nibble - 8. */
    static final class Q4_0 extends BlockKernel {
        Q4_0(Path path) { super(GgmlType.Q4_0, path); }
        Q4_0() { this(Path.VEC_DOT); }
        @Override BlockKernel repacked() { return new Q4_0(Path.REPACKED); }

        @Override
        void codes(MemorySegment w, long off, int[] dst, int at) {
            for (int i = 0; i < QK; i++) dst[at + i] = nibble(w, off + 2, i) - 8;
        }
    }

    /** Q4_1: d, m, 16 bytes of nibbles; value = nibble * d + m. Activations Q8_1. */
    static final class Q4_1 extends BlockKernel {
        Q4_1() { super(GgmlType.Q4_1, Path.VEC_DOT); }

        @Override
        void codes(MemorySegment w, long off, int[] dst, int at) {
            for (int i = 0; i < QK; i++) dst[at + i] = nibble(w, off + 4, i);
        }

        @Override float m(MemorySegment w, long off) { return Layouts.f16(w, off + 2); }
        @Override boolean hasMin() { return true; }
        @Override float dequantize(int code, float d, float m) { return code * d + m; }
    }

    /** Q5_0: d, 32 high bits (bit i for value i), 16 bytes of nibbles; value = 5-bit - 16. */
    static final class Q5_0 extends BlockKernel {
        Q5_0() { super(GgmlType.Q5_0, Path.VEC_DOT); }

        @Override
        void codes(MemorySegment w, long off, int[] dst, int at) {
            int qh = w.get(Layouts.I32, off + 2);
            for (int i = 0; i < QK; i++) dst[at + i] = (nibble(w, off + 6, i) | ((qh >>> i) & 1) << 4) - 16;
        }
    }

    /** Q5_1: d, m, 32 high bits, 16 bytes of nibbles; value = 5-bit * d + m. Activations Q8_1. */
    static final class Q5_1 extends BlockKernel {
        Q5_1() { super(GgmlType.Q5_1, Path.VEC_DOT); }

        @Override
        void codes(MemorySegment w, long off, int[] dst, int at) {
            int qh = w.get(Layouts.I32, off + 4);
            for (int i = 0; i < QK; i++) dst[at + i] = nibble(w, off + 8, i) | ((qh >>> i) & 1) << 4;
        }

        @Override float m(MemorySegment w, long off) { return Layouts.f16(w, off + 2); }
        @Override boolean hasMin() { return true; }
        @Override float dequantize(int code, float d, float m) { return code * d + m; }
    }

    /** IQ4_NL: d, 16 bytes of nibbles indexing {@link #IQ4_VALUES}. */
    static final class IQ4_NL extends BlockKernel {
        IQ4_NL(Path path) { super(GgmlType.IQ4_NL, path); }
        IQ4_NL() { this(Path.VEC_DOT); }
        @Override BlockKernel repacked() { return new IQ4_NL(Path.REPACKED); }
        @Override boolean pairedVecDot() { return true; }

        @Override
        void codes(MemorySegment w, long off, int[] dst, int at) {
            for (int i = 0; i < QK; i++) dst[at + i] = IQ4_VALUES[nibble(w, off + 2, i)];
        }
    }
}
