package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.BlockFormats.f16;
import static dev.loupe.engine.kernels.BlockFormats.u8;

import dev.loupe.engine.kernels.SuperBlockKernel.Mins;
import dev.loupe.engine.kernels.SuperBlockKernel.Path;
import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The super-block layouts of ggml's 256-value quantized types (ggml-common.h) and their
 * dequantization (ggml-quants.c). Super-blocks are read from a byte copy of the row; the
 * integers are the ones ggml's AVX2 dot products multiply (Q6_K's unsigned, before its offset
 * of 32 is taken out), written in natural order as bytes by 32-byte vector operations: Vector
 * API calls only, no helper of ours taking or returning a vector (see BlockKernel's note on
 * laneDot).
 */
final class SuperBlockFormats {
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    /**
     * The row-widening overrides work at the machine's float width {@link #F} (16 lanes with
     * 512-bit vectors, 8 with AVX2's 256): codes are formed in byte lanes, {@link #BF} of
     * them at a time, and widened to one float vector. Each value is the same integer,
     * converted exactly and scaled by the same float steps, whatever the width.
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * F.length()));

    private SuperBlockFormats() {}

    /** Whether the row-widening overrides have a shape for this machine's vectors: 16 or 8 floats (up to 16 codes per load). */
    static boolean widensInRegisters() {
        return F.length() == 16 || F.length() == 8;
    }

    /** The 6-bit scales of a Q4_K/Q5_K super-block at {@code off}, byte g = sub-block g (scalesAndMinsK4's words). */
    private static long scalesK4(MemorySegment w, long off) {
        int u0 = w.get(Layouts.I32, off + 4), u2 = w.get(Layouts.I32, off + 12);
        return (u0 & 0x3f3f3f3fL) | ((long) ((u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4) << 32);
    }

    /** The 6-bit minimums of a Q4_K/Q5_K super-block at {@code off}, byte g = sub-block g. */
    private static long minimumsK4(MemorySegment w, long off) {
        int u1 = w.get(Layouts.I32, off + 8), u2 = w.get(Layouts.I32, off + 12);
        return (u1 & 0x3f3f3f3fL) | ((long) (((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4) << 32);
    }

    /**
     * One Q4_K super-block's values as the general path forms them (codes, then
     * {@code (d * sc) * q - dmin * m} per 32), straight from the mapping: nibbles split in
     * registers and widened, no byte copies of the row or its codes. Widening is what a
     * batched decode step and a prefill panel pay per value (measured for Q4_K: 0.25 ns per
     * value the general way, 0.15 this way; Q8_0 0.06). Q5_K has its own method
     * ({@link #widenQ5K}) rather than a flag: a vector merged from two branches, or a second
     * layout in the same compiled loop, is what C2 stopped compiling to registers.
     */
    static void widenQ4K(MemorySegment w, long off, float[] dst, int o) {
        float d = Layouts.f16(w, off), dmin = Layouts.f16(w, off + 2);
        long scales = scalesK4(w, off), mins = minimumsK4(w, off);
        int n = F.length();
        for (int j = 0; j < 4; j++) {
            float s0 = d * (int) ((scales >>> 16 * j) & 0xff), m0 = dmin * (int) ((mins >>> 16 * j) & 0xff);
            float s1 = d * (int) ((scales >>> 16 * j + 8) & 0xff), m1 = dmin * (int) ((mins >>> 16 * j + 8) & 0xff);
            for (int e = 0; e < 32; e += n) {
                ByteVector q = ByteVector.fromMemorySegment(BF, w, off + 16 + 32 * j + e, Layouts.LE);
                ((FloatVector) q.and((byte) 0x0f).convertShape(VectorOperators.B2F, F, 0)).mul(s0).sub(m0).intoArray(dst, o + 64 * j + e);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0)).mul(s1).sub(m1).intoArray(dst, o + 64 * j + 32 + e);
            }
        }
    }

    /** As {@link #widenQ4K} for Q5_K: qh at 16 (bit j of byte e is value 32j + e's fifth bit), qs at 48. */
    static void widenQ5K(MemorySegment w, long off, float[] dst, int o) {
        float d = Layouts.f16(w, off), dmin = Layouts.f16(w, off + 2);
        long scales = scalesK4(w, off), mins = minimumsK4(w, off);
        int n = F.length();
        for (int j = 0; j < 4; j++) {
            float s0 = d * (int) ((scales >>> 16 * j) & 0xff), m0 = dmin * (int) ((mins >>> 16 * j) & 0xff);
            float s1 = d * (int) ((scales >>> 16 * j + 8) & 0xff), m1 = dmin * (int) ((mins >>> 16 * j + 8) & 0xff);
            for (int e = 0; e < 32; e += n) {
                ByteVector q = ByteVector.fromMemorySegment(BF, w, off + 48 + 32 * j + e, Layouts.LE);
                ByteVector qh = ByteVector.fromMemorySegment(BF, w, off + 16 + e, Layouts.LE);
                ByteVector lo = q.and((byte) 0x0f).add(qh.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).add(qh.lanewise(VectorOperators.LSHR, 2 * j + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).mul(s0).sub(m0).intoArray(dst, o + 64 * j + e);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).mul(s1).sub(m1).intoArray(dst, o + 64 * j + 32 + e);
            }
        }
    }

    /** The 6-bit scale {@code j} of Q4_K/Q5_K's 12 packed bytes at {@code off} (ggml's get_scale_min_k4). */
    static int scaleK4(byte[] b, int off, int j) {
        return j < 4 ? u8(b, off + j) & 63 : (u8(b, off + j + 4) & 0xf) | (u8(b, off + j - 4) >> 6) << 4;
    }

    /** The 6-bit minimum {@code j} of Q4_K/Q5_K's 12 packed bytes at {@code off}. */
    static int minK4(byte[] b, int off, int j) {
        return j < 4 ? u8(b, off + j + 4) & 63 : (u8(b, off + j + 4) >> 4) | (u8(b, off + j) >> 6) << 4;
    }

    /**
     * Q4_K/Q5_K's 8 scales and 8 minimums from their 12 packed bytes at {@code off}, a 32-bit
     * word at a time as ggml's vec_dot unpacks them (the kmask/utmp steps): bytes 0-3 hold
     * scales 0-3 (low 6 bits), bytes 4-7 minimums 0-3, bytes 8-11 the low nibbles of scales
     * and minimums 4-7, whose high 2 bits are the top bits of bytes 0-7.
     */
    static void scalesAndMinsK4(byte[] b, int off, int[] sc, int scAt, int[] mn, int mnAt) {
        int u0 = BlockFormats.i32(b, off), u1 = BlockFormats.i32(b, off + 4), u2 = BlockFormats.i32(b, off + 8);
        int scales03 = u0 & 0x3f3f3f3f;
        int mins03 = u1 & 0x3f3f3f3f;
        int scales47 = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
        int mins47 = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
        for (int k = 0; k < 4; k++) {
            sc[scAt + k] = (scales03 >>> 8 * k) & 0xff;
            sc[scAt + 4 + k] = (scales47 >>> 8 * k) & 0xff;
            mn[mnAt + k] = (mins03 >>> 8 * k) & 0xff;
            mn[mnAt + 4 + k] = (mins47 >>> 8 * k) & 0xff;
        }
    }

    /**
     * Q2_K (84 bytes): scales[16] (low nibble scale, high nibble minimum, per 16 values),
     * qs[64], d, dmin. Value 128h + 32j + l = bits {@code 2j, 2j+1} of qs byte {@code 32h + l};
     * y = d sc q - dmin m.
     */
    static final class Q2_K extends SuperBlockKernel {
        Q2_K() { super(GgmlType.Q2_K, Path.PLAIN, Mins.LANES, 16); }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromArray(B32, raw, off + 16 + 32 * h);
                for (int j = 0; j < 4; j++) q.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3).intoArray(dst, at + 128 * h + 32 * j);
            }
        }

        @Override void scales(byte[] raw, int off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = u8(raw, off + s) & 0xf; }
        @Override void minimums(byte[] raw, int off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = u8(raw, off + s) >> 4; }
        @Override float d(byte[] raw, int off) { return f16(raw, off + 80); }
        @Override float dmin(byte[] raw, int off) { return f16(raw, off + 82); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale, ml = dmin * min;
            return dl * code - ml;
        }
    }

    /**
     * Q3_K (110 bytes): hmask[32], qs[64], scales[12] (16 6-bit scales, offset 32), d. Value
     * 128h + 32j + l = bits {@code 2j, 2j+1} of qs byte {@code 32h + l}, minus 4 unless bit
     * {@code 4h + j} of hmask byte {@code l} is set; y = d (sc - 32) q.
     */
    static final class Q3_K extends SuperBlockKernel {
        Q3_K() { super(GgmlType.Q3_K, Path.PLAIN, Mins.NONE, 16); }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            ByteVector hmask = ByteVector.fromArray(B32, raw, off);
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromArray(B32, raw, off + 32 + 32 * h);
                for (int j = 0; j < 4; j++) {
                    ByteVector high = hmask.lanewise(VectorOperators.LSHR, 4 * h + j).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                    q.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3).add(high).sub((byte) 4).intoArray(dst, at + 128 * h + 32 * j);
                }
            }
        }

        @Override
        void scales(byte[] raw, int off, int[] dst, int at) {
            int s = off + 96;
            for (int i = 0; i < 4; i++) {
                int hi = u8(raw, s + 8 + i);
                dst[at + i] = ((u8(raw, s + i) & 0xf) | (hi & 3) << 4) - 32;
                dst[at + 4 + i] = ((u8(raw, s + 4 + i) & 0xf) | ((hi >> 2) & 3) << 4) - 32;
                dst[at + 8 + i] = ((u8(raw, s + i) >> 4) | ((hi >> 4) & 3) << 4) - 32;
                dst[at + 12 + i] = ((u8(raw, s + 4 + i) >> 4) | ((hi >> 6) & 3) << 4) - 32;
            }
        }

        @Override float d(byte[] raw, int off) { return f16(raw, off + 108); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale;
            return dl * code;
        }
    }

    /**
     * What Q4_K and Q5_K share: the header (d, dmin, 12 bytes of 6-bit scales and minimums,
     * one pair per 32 values) and y = d sc q - dmin m; Q5_K adds a fifth bit to every code.
     */
    abstract static class K4 extends SuperBlockKernel {
        K4(GgmlType type, Path path, Mins mins) {
            super(type, path, mins, 32);
        }

        @Override void scales(byte[] raw, int off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = scaleK4(raw, off + 4, j); }
        @Override void minimums(byte[] raw, int off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = minK4(raw, off + 4, j); }
        @Override void scalesAndMinimums(byte[] raw, int off, int[] sc, int scAt, int[] mn, int mnAt) { scalesAndMinsK4(raw, off + 4, sc, scAt, mn, mnAt); }
        @Override float d(byte[] raw, int off) { return f16(raw, off); }
        @Override float dmin(byte[] raw, int off) { return f16(raw, off + 2); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float d1 = d * scale, m1 = dmin * min;
            return d1 * code - m1;
        }
    }

    /**
     * Q4_K (144 bytes): d, dmin, scales[12] (8 6-bit scales and minimums, per 32 values),
     * qs[128]. Values 64j..64j+31 are the low nibbles of bytes 32j..32j+31, values
     * 64j+32.. their high nibbles; y = d sc q - dmin m.
     */
    static final class Q4_K extends K4 {
        Q4_K(Path path) { super(GgmlType.Q4_K, path, Mins.QUAD); }
        Q4_K() { this(Path.PLAIN); }
        @Override SuperBlockKernel repacked() { return new Q4_K(Path.REPACKED); }
        private static final RowDot GEMV = Q4_KRowDot.gemv(), GEMM = Q4_KRowDot.gemm();
        @Override RowDot rowDot() { return path == Path.REPACKED ? GEMV : null; }
        @Override RowDot interleavedRowDot() { return path == Path.REPACKED ? GEMM : null; }

        /** Rows widened in registers ({@link #widenQ4K}). */
        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            if (!widensInRegisters()) {
                super.dequantizeRow(w, cols, r, dst, dstOffset);
                return;
            }
            for (int blk = 0, blocks = cols / QK; blk < blocks; blk++) {
                widenQ4K(w, ((long) r * blocks + blk) * type.blockBytes, dst, dstOffset + blk * QK);
            }
        }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            for (int j = 0; j < 4; j++) {
                ByteVector q = ByteVector.fromArray(B32, raw, off + 16 + 32 * j);
                q.and((byte) 0xf).intoArray(dst, at + 64 * j);
                q.lanewise(VectorOperators.LSHR, 4).intoArray(dst, at + 64 * j + 32);
            }
        }
    }

    /**
     * Q5_K (176 bytes): as Q4_K with qh[32] before qs[128]: value e gains 16 when bit
     * {@code e / 32} of qh byte {@code e % 32} is set.
     */
    static final class Q5_K extends K4 {
        Q5_K() { super(GgmlType.Q5_K, Path.PLAIN, Mins.SCALAR); }
        private static final RowDot ROW_DOT = new Q5_KRowDot();
        @Override RowDot rowDot() { return ROW_DOT; }

        /** Rows widened in registers ({@link #widenQ5K}). */
        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            if (!widensInRegisters()) {
                super.dequantizeRow(w, cols, r, dst, dstOffset);
                return;
            }
            for (int blk = 0, blocks = cols / QK; blk < blocks; blk++) {
                widenQ5K(w, ((long) r * blocks + blk) * type.blockBytes, dst, dstOffset + blk * QK);
            }
        }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            ByteVector qh = ByteVector.fromArray(B32, raw, off + 16);
            for (int j = 0; j < 4; j++) {
                ByteVector q = ByteVector.fromArray(B32, raw, off + 48 + 32 * j);
                q.and((byte) 0xf).add(qh.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 1).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, at + 64 * j);
                q.lanewise(VectorOperators.LSHR, 4).add(qh.lanewise(VectorOperators.LSHR, 2 * j + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, at + 64 * j + 32);
            }
        }
    }

    /**
     * Q6_K (210 bytes): ql[128], qh[64], scales[16] (int8, per 16 values), d. In half h,
     * value 128h + 32k + l is a nibble of ql byte {@code 64h + l} (k = 0, 2) or
     * {@code 64h + 32 + l} (k = 1, 3) — low for k &lt; 2 — with bits {@code 2k, 2k+1} of qh
     * byte {@code 32h + l} as bits 4-5; y = d sc (q - 32).
     */
    static final class Q6_K extends SuperBlockKernel {
        Q6_K() { super(GgmlType.Q6_K, Path.PLAIN, Mins.OFFSET_32, 16); }
        private static final RowDot ROW_DOT = new Q6_KRowDot();
        @Override RowDot rowDot() { return ROW_DOT; }

        /**
         * The general path's values ({@code (d * sc) * (q - 32)} per 16), straight from the
         * mapping: codes assembled in registers a float vector's width at a time and widened, no byte copies
         * (measured 0.46 ns per value the general way, 8x Q8_0's). The general path's
         * {@code - dmin * m} is {@code - 0}, which changes no value, so it is left out.
         */
        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            if (!widensInRegisters()) {
                super.dequantizeRow(w, cols, r, dst, dstOffset);
                return;
            }
            int blocks = cols / QK, n = F.length();
            long base = (long) r * blocks * type.blockBytes;
            for (int blk = 0; blk < blocks; blk++) {
                long off = base + (long) blk * type.blockBytes;
                float d = Layouts.f16(w, off + 208);
                int o = dstOffset + blk * QK;
                for (int h = 0; h < 2; h++) {
                    for (int e = 0; e < 32; e += n) {
                        ByteVector ql0 = ByteVector.fromMemorySegment(BF, w, off + 64 * h + e, Layouts.LE);
                        ByteVector ql1 = ByteVector.fromMemorySegment(BF, w, off + 64 * h + 32 + e, Layouts.LE);
                        ByteVector qh = ByteVector.fromMemorySegment(BF, w, off + 128 + 32 * h + e, Layouts.LE);
                        long sc = off + 192 + 8 * h + e / 16;  // the scale of values 128h + e + 32k: byte 8h + e/16 + 2k
                        ByteVector c0 = ql0.and((byte) 0x0f).or(qh.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector c1 = ql1.and((byte) 0x0f).or(qh.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector c2 = ql0.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector c3 = ql1.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
                        int at = o + 128 * h + e;
                        ((FloatVector) c0.convertShape(VectorOperators.B2F, F, 0)).add(-32f).mul(d * w.get(ValueLayout.JAVA_BYTE, sc)).intoArray(dst, at);
                        ((FloatVector) c1.convertShape(VectorOperators.B2F, F, 0)).add(-32f).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 2)).intoArray(dst, at + 32);
                        ((FloatVector) c2.convertShape(VectorOperators.B2F, F, 0)).add(-32f).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 4)).intoArray(dst, at + 64);
                        ((FloatVector) c3.convertShape(VectorOperators.B2F, F, 0)).add(-32f).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + 6)).intoArray(dst, at + 96);
                    }
                }
            }
        }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            for (int h = 0; h < 2; h++) {
                ByteVector ql0 = ByteVector.fromArray(B32, raw, off + 64 * h), ql1 = ByteVector.fromArray(B32, raw, off + 64 * h + 32);
                ByteVector qh = ByteVector.fromArray(B32, raw, off + 128 + 32 * h);
                int o = at + 128 * h;
                ql0.and((byte) 0xf).or(qh.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, o);
                ql1.and((byte) 0xf).or(qh.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, o + 32);
                ql0.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, o + 64);
                ql1.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).intoArray(dst, o + 96);
            }
        }

        @Override void scales(byte[] raw, int off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = raw[off + 192 + s]; }
        @Override float d(byte[] raw, int off) { return f16(raw, off + 208); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            return d * scale * (code - 32);
        }

        @Override int codeOffset() { return -32; }
    }

    /**
     * IQ4_XS (136 bytes): d, scales_h (2 high bits per sub-block), scales_l[4] (nibbles),
     * qs[128]; sub-block ib (32 values) has scale {@code ls - 32} and its values are the
     * nibbles of bytes {@code 16 ib..16 ib + 15} (low first) through {@link BlockFormats#IQ4_VALUES}.
     */
    static final class IQ4_XS extends SuperBlockKernel {
        IQ4_XS() { super(GgmlType.IQ4_XS, Path.PLAIN, Mins.NONE, 32); }

        @Override
        void codes(byte[] raw, int off, byte[] dst, int at) {
            for (int ib = 0; ib < 8; ib++) BlockFormats.iq4Nibbles(raw, off + 8 + 16 * ib, dst, at + 32 * ib);
        }

        @Override
        void scales(byte[] raw, int off, int[] dst, int at) {
            int sh = u8(raw, off + 2) | u8(raw, off + 3) << 8;
            for (int ib = 0; ib < 8; ib++) {
                int ls = ((u8(raw, off + 4 + ib / 2) >> (4 * (ib % 2))) & 0xf) | ((sh >> (2 * ib)) & 3) << 4;
                dst[at + ib] = ls - 32;
            }
        }

        @Override float d(byte[] raw, int off) { return f16(raw, off); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale;
            return dl * code;
        }
    }
}
