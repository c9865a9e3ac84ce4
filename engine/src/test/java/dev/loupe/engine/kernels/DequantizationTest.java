package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * One crafted block per quantized type, its values worked out by hand from ggml's block
 * layouts (ggml-common.h) and dequantize_row_* (ggml-quants.c). Untouched bytes are 0.
 */
class DequantizationTest {

    /** A zeroed block of {@code type} with little-endian setters. */
    static final class Block {
        final GgmlType type;
        final ByteBuffer b;

        Block(GgmlType type) {
            this.type = type;
            this.b = ByteBuffer.allocate(type.blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        Block half(int off, float v) { b.putShort(off, Float.floatToFloat16(v)); return this; }
        Block u8(int off, int v) { b.put(off, (byte) v); return this; }
        Block u16(int off, int v) { b.putShort(off, (short) v); return this; }
        Block u32(int off, int v) { b.putInt(off, v); return this; }

        float[] dequantize() {
            float[] out = new float[type.blockSize];
            Kernels.forType(type, "crafted").dequantizeRow(MemorySegment.ofArray(b.array()), type.blockSize, 0, out, 0);
            return out;
        }
    }

    static void expect(float[] y, int i, float v) {
        assertEquals(v, y[i], 0f, "value " + i);
    }

    @Test
    void q8_0() {
        // d = -0.25; qs[0] = 0x7F (127), qs[5] = 0x80 (-128), qs[31] = 0xFF (-1); untouched bytes 0.
        float[] y = new Block(GgmlType.Q8_0).half(0, -0.25f).u8(2, 0x7F).u8(2 + 5, 0x80).u8(2 + 31, 0xFF).dequantize();
        expect(y, 0, -31.75f);
        expect(y, 5, 32f);
        expect(y, 31, 0.25f);
        expect(y, 1, 0f);
    }

    @Test
    void q4_0() {
        // d = 0.5; qs[0] = 0x1F: value 0 = (15 - 8) d, value 16 = (1 - 8) d; untouched nibbles give (0 - 8) d.
        float[] y = new Block(GgmlType.Q4_0).half(0, 0.5f).u8(2, 0x1F).u8(2 + 15, 0x80).dequantize();
        expect(y, 0, 3.5f);
        expect(y, 16, -3.5f);
        expect(y, 15, -4f);
        expect(y, 31, 0f);
    }

    @Test
    void q4_1() {
        // d = 0.25, m = -1; qs[1] = 0x3C: value 1 = 12 d + m, value 17 = 3 d + m.
        float[] y = new Block(GgmlType.Q4_1).half(0, 0.25f).half(2, -1f).u8(4 + 1, 0x3C).dequantize();
        expect(y, 1, 2f);
        expect(y, 17, -0.25f);
        expect(y, 0, -1f);
    }

    @Test
    void q5_0() {
        // d = 1; high bits 0 and 16 set; qs[0] = 0x21: value 0 = (1 | 16) - 16, value 16 = (2 | 16) - 16, value 1 = 0 - 16.
        float[] y = new Block(GgmlType.Q5_0).half(0, 1f).u32(2, 0x00010001).u8(6, 0x21).dequantize();
        expect(y, 0, 1f);
        expect(y, 16, 2f);
        expect(y, 1, -16f);
    }

    @Test
    void q5_1() {
        // d = 2, m = 0.5; high bit 31 set; qs[15] = 0xF0: value 31 = (15 | 16) d + m, value 15 = 0 d + m.
        float[] y = new Block(GgmlType.Q5_1).half(0, 2f).half(2, 0.5f).u32(4, 0x80000000).u8(8 + 15, 0xF0).dequantize();
        expect(y, 31, 62.5f);
        expect(y, 15, 0.5f);
    }

    @Test
    void iq4_nl() {
        // d = 0.125; qs[0] = 0xF0: value 0 = table[0] d = -127 d, value 16 = table[15] d = 113 d.
        float[] y = new Block(GgmlType.IQ4_NL).half(0, 0.125f).u8(2, 0xF0).dequantize();
        expect(y, 0, -15.875f);
        expect(y, 16, 14.125f);
        expect(y, 1, -15.875f);
    }

    @Test
    void q2_k() {
        // d = 1, dmin = 0.5. scales[0] = 0x21 (scale 1, min 2), scales[2] = 0x12 (2, 1), scales[15] = 0xF3 (3, 15).
        // qs[0] = 0b11_10_01_00: values 0, 32, 64, 96 are 0, 1, 2, 3; qs[63] = 0xC0: value 255 is 3.
        float[] y = new Block(GgmlType.Q2_K).half(80, 1f).half(82, 0.5f)
                .u8(0, 0x21).u8(2, 0x12).u8(15, 0xF3).u8(16, 0xE4).u8(16 + 63, 0xC0).dequantize();
        expect(y, 0, -1f);    // 1 * 1 * 0 - 0.5 * 2
        expect(y, 32, 1.5f);  // group 2: 1 * 2 * 1 - 0.5 * 1
        expect(y, 64, 0f);    // group 4: scale 0, min 0
        expect(y, 255, 1.5f); // group 15: 3 * 3 - 0.5 * 15
    }

    @Test
    void q3_k() {
        // d = 0.5. Scale 0 = (0x05 & 15 | (0x02 & 3) << 4) - 32 = 5; scale 8 = (0x05 >> 4 | 0) - 32 = -32.
        // qs[0] = 3 with hmask bit 0 of byte 0 set: value 0 = 3; value 1: 0 with bit clear = -4;
        // value 128: qs[32] = 2, hmask bit 4 of byte 0 clear: 2 - 4 = -2.
        float[] y = new Block(GgmlType.Q3_K).half(108, 0.5f)
                .u8(96, 0x05).u8(96 + 8, 0x02).u8(32, 0x03).u8(0, 0x01).u8(32 + 32, 0x02).dequantize();
        expect(y, 0, 7.5f);
        expect(y, 1, -10f);
        expect(y, 128, 32f);
    }

    @Test
    void q4_k() {
        // d = 1, dmin = 0.25. scales[0] = 0x43: scale 0 = 3 and bit 4 of scale 4; scales[4] = 8: min 0 = 8;
        // scales[8] = 0x52: scale 4 = 2 | 1 << 4 = 18, min 4 = 5. qs[0] = 0x0A: value 0 = 10; qs[64] = 7: value 128 = 7.
        float[] y = new Block(GgmlType.Q4_K).half(0, 1f).half(2, 0.25f)
                .u8(4, 0x43).u8(4 + 4, 8).u8(4 + 8, 0x52).u8(16, 0x0A).u8(16 + 64, 0x07).dequantize();
        expect(y, 0, 28f);       // 3 * 10 - 0.25 * 8
        expect(y, 32, 0f);       // sub-block 1: scale 0, min 0
        expect(y, 128, 124.75f); // 18 * 7 - 0.25 * 5
    }

    @Test
    void q5_k() {
        // d = 1, dmin = 0.5; scale/min 0 = 1/2, scale/min 1 = 2/4. qs[0] = 0x0F, qh[0] = 0b11:
        // value 0 = 15 + 16, value 32 = 0 + 16.
        float[] y = new Block(GgmlType.Q5_K).half(0, 1f).half(2, 0.5f)
                .u8(4, 1).u8(4 + 1, 2).u8(4 + 4, 2).u8(4 + 5, 4).u8(16, 0x03).u8(48, 0x0F).dequantize();
        expect(y, 0, 30f);  // 1 * 31 - 0.5 * 2
        expect(y, 32, 30f); // 2 * 16 - 0.5 * 4
        expect(y, 1, -1f);  // 0 - 0.5 * 2
    }

    @Test
    void q6_k() {
        // d = 0.5; scales[0] = -3, scales[4] = 2, scales[10] = 127.
        // value 0: ql[0] = 5, qh[0] bits 0-1 = 2 -> 37 - 32 = 5; value 64: ql[0] >> 4 = 0, qh bits 4-5 = 0 -> -32;
        // value 160 (second half, k = 1): ql[96] = 15, qh[32] bits 2-3 = 3 -> 63 - 32 = 31.
        float[] y = new Block(GgmlType.Q6_K).half(208, 0.5f)
                .u8(192, -3).u8(192 + 4, 2).u8(192 + 10, 127).u8(0, 0x05).u8(128, 0x02).u8(96, 0x0F).u8(128 + 32, 0x0C).dequantize();
        expect(y, 0, -7.5f);
        expect(y, 64, -32f);
        expect(y, 160, 1968.5f);
    }

    @Test
    void iq4_xs() {
        // d = 0.25; scales_l[0] = 0x21, scales_h = 0b0110: ls 0 = 1 | 2 << 4 = 33 -> 1, ls 1 = 2 | 1 << 4 = 18 -> -14.
        // qs[0] = 0x8F: value 0 = table[15] = 113, value 16 = table[8] = 1; value 32 = table[0] = -127.
        float[] y = new Block(GgmlType.IQ4_XS).half(0, 0.25f).u16(2, 0b0110).u8(4, 0x21).u8(8, 0x8F).dequantize();
        expect(y, 0, 28.25f);
        expect(y, 16, 0.25f);
        expect(y, 32, 444.5f);
    }
}
