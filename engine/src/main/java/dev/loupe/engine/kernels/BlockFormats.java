package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The block layouts of ggml's 32-value quantized types (ggml-common.h) and their
 * dequantization (ggml-quants.c). Blocks are read from a byte copy of the row; the integers
 * are the ones ggml's AVX2 dot products multiply, written in natural order as bytes (16-byte
 * vector operations split the nibbles).
 */
final class BlockFormats {
    /** IQ4_NL / IQ4_XS's non-linear 4-bit values. */
    static final byte[] IQ4_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final ByteVector IQ4_TABLE = ByteVector.fromArray(B16, IQ4_VALUES, 0);

    private BlockFormats() {}

    static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    static float f16(byte[] b, int off) {
        return Float.float16ToFloat((short) SHORTS.get(b, off));
    }

    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** A little-endian int at any offset: one load (assembling it from four bytes cost ten operations). */
    static int i32(byte[] b, int off) {
        return (int) INTS.get(b, off);
    }

    /** 16 bytes of nibbles at {@code qs}: low nibbles to {@code dst[at..at+16)}, high to {@code dst[at+16..at+32)}, plus {@code add}. */
    static void nibbles(byte[] raw, int qs, byte[] dst, int at, int add) {
        ByteVector v = ByteVector.fromArray(B16, raw, qs);
        v.and((byte) 0xf).add((byte) add).intoArray(dst, at);
        v.lanewise(VectorOperators.LSHR, 4).add((byte) add).intoArray(dst, at + 16);
    }

    /**
     * Entry b: eight bytes, byte k = bit k of b times 16 (Q5_0/Q5_1's fifth bit, eight values
     * per byte of qh), as one little-endian long so that a block's 32 take four stores.
     */
    private static final long[] FIFTH_BITS = new long[256];
    static {
        for (int b = 0; b < 256; b++) {
            for (int k = 0; k < 8; k++) FIFTH_BITS[b] |= (long) (((b >> k) & 1) << 4) << (8 * k);
        }
    }
    private static final VectorSpecies<Long> L2 = LongVector.SPECIES_128;

    /**
     * Q5_0/Q5_1: the nibbles at {@code qs} plus bit i of the 32-bit {@code qh} as 16, plus
     * {@code add}. The fifth bits are assembled in registers, two table longs per half: writing
     * them to {@code dst} and reading them back as 16 bytes stalled on store forwarding (an
     * 8-byte store cannot feed a 16-byte load), which cost half the kernel's time.
     */
    static void fiveBits(byte[] raw, int qs, int qh, byte[] dst, int at, int add) {
        ByteVector low = LongVector.broadcast(L2, FIFTH_BITS[qh & 0xff]).withLane(1, FIFTH_BITS[(qh >>> 8) & 0xff]).reinterpretAsBytes();
        ByteVector high = LongVector.broadcast(L2, FIFTH_BITS[(qh >>> 16) & 0xff]).withLane(1, FIFTH_BITS[qh >>> 24]).reinterpretAsBytes();
        ByteVector v = ByteVector.fromArray(B16, raw, qs);
        v.and((byte) 0xf).add(low).add((byte) add).intoArray(dst, at);
        v.lanewise(VectorOperators.LSHR, 4).add(high).add((byte) add).intoArray(dst, at + 16);
    }

    /** As {@link #nibbles} through {@link #IQ4_VALUES} (a 16-byte table lookup). */
    static void iq4Nibbles(byte[] raw, int qs, byte[] dst, int at) {
        ByteVector v = ByteVector.fromArray(B16, raw, qs);
        v.and((byte) 0xf).selectFrom(IQ4_TABLE).intoArray(dst, at);
        v.lanewise(VectorOperators.LSHR, 4).selectFrom(IQ4_TABLE).intoArray(dst, at + 16);
    }

    /** Q4_0: d, 16 bytes of nibbles; value = nibble - 8. */
    static final class Q4_0 extends BlockKernel {
        Q4_0(Path path) { super(GgmlType.Q4_0, path); }
        Q4_0() { this(Path.VEC_DOT); }
        @Override BlockKernel repacked() { return new Q4_0(Path.REPACKED); }
        @Override void codes(byte[] raw, int off, byte[] dst, int at) { nibbles(raw, off + 2, dst, at, -8); }
    }

    /** Q4_1: d, m, 16 bytes of nibbles; value = nibble * d + m. Activations Q8_1. */
    static final class Q4_1 extends BlockKernel {
        Q4_1() { super(GgmlType.Q4_1, Path.VEC_DOT); }
        @Override void codes(byte[] raw, int off, byte[] dst, int at) { nibbles(raw, off + 4, dst, at, 0); }
        @Override float m(byte[] raw, int off) { return f16(raw, off + 2); }
        @Override boolean hasMin() { return true; }
        @Override float dequantize(int code, float d, float m) { return code * d + m; }
    }

    /** Q5_0: d, 32 high bits (bit i for value i), 16 bytes of nibbles; value = 5-bit - 16. */
    static final class Q5_0 extends BlockKernel {
        Q5_0() { super(GgmlType.Q5_0, Path.VEC_DOT); }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            fiveBits(raw, off + 6, i32(raw, off + 2), dst, at, -16);
        }
    }

    /** Q5_1: d, m, 32 high bits, 16 bytes of nibbles; value = 5-bit * d + m. Activations Q8_1. */
    static final class Q5_1 extends BlockKernel {
        Q5_1() { super(GgmlType.Q5_1, Path.VEC_DOT); }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            fiveBits(raw, off + 8, i32(raw, off + 4), dst, at, 0);
        }

        @Override float m(byte[] raw, int off) { return f16(raw, off + 2); }
        @Override boolean hasMin() { return true; }
        @Override float dequantize(int code, float d, float m) { return code * d + m; }
    }

    /** IQ4_NL: d, 16 bytes of nibbles indexing {@link #IQ4_VALUES}. */
    static final class IQ4_NL extends BlockKernel {
        /** Its codes come through a lookup table: the striped row measured 0.86x of ggml's. */
        @Override
        public boolean stripesOneRow() {
            return false;
        }

        IQ4_NL(Path path) { super(GgmlType.IQ4_NL, path); }
        IQ4_NL() { this(Path.VEC_DOT); }
        @Override BlockKernel repacked() { return new IQ4_NL(Path.REPACKED); }
        @Override boolean pairedVecDot() { return true; }
        @Override void codes(byte[] raw, int off, byte[] dst, int at) { iq4Nibbles(raw, off + 2, dst, at); }
    }
}
