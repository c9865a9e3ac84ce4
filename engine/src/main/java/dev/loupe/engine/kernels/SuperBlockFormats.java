package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.BlockFormats.u8;

import dev.loupe.engine.kernels.SuperBlockKernel.Mins;
import dev.loupe.engine.kernels.SuperBlockKernel.Path;
import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The super-block layouts of ggml's 256-value quantized types (ggml-common.h) and their
 * dequantization (ggml-quants.c). The integers are the ones ggml's AVX2 dot products multiply
 * (Q6_K's unsigned, before its offset of 32 is taken out).
 */
final class SuperBlockFormats {
    private SuperBlockFormats() {}

    /**
     * The 6-bit scale and minimum {@code j} of Q4_K/Q5_K's 12 packed bytes at {@code off}
     * (ggml's get_scale_min_k4).
     */
    static int scaleK4(MemorySegment w, long off, int j) {
        return j < 4 ? u8(w, off + j) & 63 : (u8(w, off + j + 4) & 0xf) | (u8(w, off + j - 4) >> 6) << 4;
    }

    static int minK4(MemorySegment w, long off, int j) {
        return j < 4 ? u8(w, off + j + 4) & 63 : (u8(w, off + j + 4) >> 4) | (u8(w, off + j) >> 6) << 4;
    }

    /**
     * Q2_K (84 bytes): scales[16] (low nibble scale, high nibble minimum, per 16 values),
     * qs[64], d, dmin. Value e = 2 bits {@code 2j} of byte {@code 32h + l} (h = e / 128,
     * j = e / 32 % 4, l = e % 32); y = d sc q - dmin m.
     */
    static final class Q2_K extends SuperBlockKernel {
        Q2_K() { super(GgmlType.Q2_K, Path.PLAIN, Mins.LANES, 16); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) dst[e] = (u8(w, off + 16 + 32 * (e >> 7) + (e & 31)) >> (2 * ((e >> 5) & 3))) & 3;
        }

        @Override void scales(MemorySegment w, long off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = u8(w, off + s) & 0xf; }
        @Override void minimums(MemorySegment w, long off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = u8(w, off + s) >> 4; }
        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off + 80); }
        @Override float dmin(MemorySegment w, long off) { return Layouts.f16(w, off + 82); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale, ml = dmin * min;
            return dl * code - ml;
        }
    }

    /**
     * Q3_K (110 bytes): hmask[32], qs[64], scales[12] (16 6-bit scales, offset 32), d. Value e
     * = 2 bits {@code 2j} of qs byte {@code 32h + l}, minus 4 unless bit {@code 4h + j} of
     * hmask byte {@code l} is set; y = d (sc - 32) q.
     */
    static final class Q3_K extends SuperBlockKernel {
        Q3_K() { super(GgmlType.Q3_K, Path.PLAIN, Mins.NONE, 16); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) {
                int h = e >> 7, j = (e >> 5) & 3, l = e & 31;
                int low = (u8(w, off + 32 + 32 * h + l) >> (2 * j)) & 3;
                int high = (u8(w, off + l) >> (4 * h + j)) & 1;
                dst[e] = low - (high != 0 ? 0 : 4);
            }
        }

        @Override
        void scales(MemorySegment w, long off, int[] dst, int at) {
            long s = off + 96;
            for (int i = 0; i < 4; i++) {
                int hi = u8(w, s + 8 + i);
                dst[at + i] = ((u8(w, s + i) & 0xf) | (hi & 3) << 4) - 32;
                dst[at + 4 + i] = ((u8(w, s + 4 + i) & 0xf) | ((hi >> 2) & 3) << 4) - 32;
                dst[at + 8 + i] = ((u8(w, s + i) >> 4) | ((hi >> 4) & 3) << 4) - 32;
                dst[at + 12 + i] = ((u8(w, s + 4 + i) >> 4) | ((hi >> 6) & 3) << 4) - 32;
            }
        }

        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off + 108); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale;
            return dl * code;
        }
    }

    /**
     * Q4_K (144 bytes): d, dmin, scales[12] (8 6-bit scales and minimums, per 32 values),
     * qs[128]. Values 64j..64j+31 are the low nibbles of bytes 32j..32j+31, values
     * 64j+32.. their high nibbles; y = d sc q - dmin m.
     */
    static class Q4_K extends SuperBlockKernel {
        Q4_K(Path path) { super(GgmlType.Q4_K, path, Mins.QUAD, 32); }
        Q4_K() { this(Path.PLAIN); }
        @Override SuperBlockKernel repacked() { return new Q4_K(Path.REPACKED); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) {
                int b = u8(w, off + 16 + 32 * (e >> 6) + (e & 31));
                dst[e] = (e & 32) == 0 ? b & 0xf : b >> 4;
            }
        }

        @Override void scales(MemorySegment w, long off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = scaleK4(w, off + 4, j); }
        @Override void minimums(MemorySegment w, long off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = minK4(w, off + 4, j); }
        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off); }
        @Override float dmin(MemorySegment w, long off) { return Layouts.f16(w, off + 2); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float d1 = d * scale, m1 = dmin * min;
            return d1 * code - m1;
        }
    }

    /**
     * Q5_K (176 bytes): as Q4_K with qh[32] before qs[128]: value e gains 16 when bit
     * {@code e / 32} of qh byte {@code e % 32} is set.
     */
    static final class Q5_K extends SuperBlockKernel {
        Q5_K() { super(GgmlType.Q5_K, Path.PLAIN, Mins.SCALAR, 32); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) {
                int b = u8(w, off + 48 + 32 * (e >> 6) + (e & 31));
                int low = (e & 32) == 0 ? b & 0xf : b >> 4;
                dst[e] = low + (((u8(w, off + 16 + (e & 31)) >> (e >> 5)) & 1) << 4);
            }
        }

        @Override void scales(MemorySegment w, long off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = scaleK4(w, off + 4, j); }
        @Override void minimums(MemorySegment w, long off, int[] dst, int at) { for (int j = 0; j < 8; j++) dst[at + j] = minK4(w, off + 4, j); }
        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off); }
        @Override float dmin(MemorySegment w, long off) { return Layouts.f16(w, off + 2); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float d1 = d * scale, m1 = dmin * min;
            return d1 * code - m1;
        }
    }

    /**
     * Q6_K (210 bytes): ql[128], qh[64], scales[16] (int8, per 16 values), d. In half h,
     * value 128h + 32k + l is a nibble of ql byte {@code 64h + l} (k = 0, 2) or
     * {@code 64h + 32 + l} (k = 1, 3) — low for k &lt; 2 — plus bits {@code 2k, 2k+1} of qh byte
     * {@code 32h + l} as bits 4-5; y = d sc (q - 32).
     */
    static final class Q6_K extends SuperBlockKernel {
        Q6_K() { super(GgmlType.Q6_K, Path.PLAIN, Mins.OFFSET_32, 16); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) {
                int h = e >> 7, k = (e >> 5) & 3, l = e & 31;
                int b = u8(w, off + 64 * h + 32 * (k & 1) + l);
                int low = k < 2 ? b & 0xf : b >> 4;
                int high = (u8(w, off + 128 + 32 * h + l) >> (2 * k)) & 3;
                dst[e] = low | high << 4;
            }
        }

        @Override void scales(MemorySegment w, long off, int[] dst, int at) { for (int s = 0; s < 16; s++) dst[at + s] = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + 192 + s); }
        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off + 208); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            return d * scale * (code - 32);
        }
    }

    /**
     * IQ4_XS (136 bytes): d, scales_h (2 high bits per sub-block), scales_l[4] (nibbles),
     * qs[128]; sub-block ib (32 values) has scale {@code ls - 32} and its values are the
     * nibbles of bytes {@code 16 ib..16 ib + 15} (low first) through {@link BlockFormats#IQ4_VALUES}.
     */
    static final class IQ4_XS extends SuperBlockKernel {
        IQ4_XS() { super(GgmlType.IQ4_XS, Path.PLAIN, Mins.NONE, 32); }

        @Override
        void codes(MemorySegment w, long off, int[] dst) {
            for (int e = 0; e < QK; e++) dst[e] = BlockFormats.IQ4_VALUES[BlockFormats.nibble(w, off + 8 + 16 * (e >> 5), e & 31)];
        }

        @Override
        void scales(MemorySegment w, long off, int[] dst, int at) {
            int sh = w.get(Layouts.I16, off + 2) & 0xffff;
            for (int ib = 0; ib < 8; ib++) {
                int ls = ((u8(w, off + 4 + ib / 2) >> (4 * (ib % 2))) & 0xf) | ((sh >> (2 * ib)) & 3) << 4;
                dst[at + ib] = ls - 32;
            }
        }

        @Override float d(MemorySegment w, long off) { return Layouts.f16(w, off); }

        @Override
        float dequantize(int code, int scale, int min, float d, float dmin) {
            float dl = d * scale;
            return dl * code;
        }
    }
}
