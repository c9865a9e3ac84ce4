package dev.loupe.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Q8_0 blocks checked by hand against ggml's quantize_row_q8_0_ref: d = amax/127 as fp16, q = roundf(x / d). */
class WeightEncoderTest {

    @Test
    void q8_0BlocksAsGgmlQuantizesThem() {
        float[] x = new float[96];
        // Block 0: amax 127 → d = 1 (fp16 0x3C00), id = 1; roundf rounds halves away from zero: ±2.5 → ±3, ±0.5 → ±1.
        float[] b0 = {127, -2.5f, 2.5f, 0.5f, -0.5f, 1.4999f, -126.6f, 0.49f};
        System.arraycopy(b0, 0, x, 0, b0.length);
        // Block 1: all zero → d = 0, id = 0, every q 0.
        // Block 2: amax 254 → d = 2 (0x4000), id = 0.5: 5 → 2.5 → 3, −5 → −3, 3 → 1.5 → 2, −254 → −127.
        float[] b2 = {-254, 5, -5, 3, 1};
        System.arraycopy(b2, 0, x, 64, b2.length);
        byte[] out = new byte[3 * 34];
        WeightEncoder.encode(GgmlType.Q8_0, x, 96, out);

        byte[] block0 = new byte[34];
        block0[0] = 0x00; block0[1] = 0x3C;
        byte[] q0 = {127, -3, 3, 1, -1, 1, -127, 0};
        System.arraycopy(q0, 0, block0, 2, q0.length);
        byte[] block2 = new byte[34];
        block2[0] = 0x00; block2[1] = 0x40;
        byte[] q2 = {-127, 3, -3, 2, 1}; // 1 * 0.5 = 0.5 → 1
        System.arraycopy(q2, 0, block2, 2, q2.length);
        byte[] expected = new byte[3 * 34];
        System.arraycopy(block0, 0, expected, 0, 34);
        System.arraycopy(block2, 0, expected, 68, 34);
        assertArrayEquals(expected, out);
    }

    @Test
    void halfTypesRoundToNearestEven() {
        byte[] out = new byte[4];
        // 1 + 2^-11 is halfway between fp16 1.0 and 1 + 2^-10: even → 1.0 (0x3C00); 1 + 3·2^-11 → 1 + 2^-9 (0x3C02).
        WeightEncoder.encode(GgmlType.F16, new float[] {1 + 0x1p-11f, 1 + 3 * 0x1p-11f}, 2, out);
        assertArrayEquals(new byte[] {0x00, 0x3C, 0x02, 0x3C}, out);
        // bf16 keeps the top 16 bits, rounding to nearest even: 1 + 2^-8 is halfway → 1.0 (0x3F80).
        WeightEncoder.encode(GgmlType.BF16, new float[] {1 + 0x1p-8f, -2}, 2, out);
        assertArrayEquals(new byte[] {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0}, out);
        assertEquals(true, WeightEncoder.supports(GgmlType.Q8_0));
        assertEquals(false, WeightEncoder.supports(GgmlType.Q4_K));
    }
}
