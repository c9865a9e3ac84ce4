package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The activation quantizers against values worked out by hand and dumped from ggml. */
class Q8RowsTest {

    /**
     * Rows whose largest magnitude 2 occurs as -2 (value 3) and +2 (value 100 + r); row 2 has
     * only +2, row 3 only -2. ggml (haswell backend, dumped with a small C program calling
     * quantize_row_q8_K and ggml_quantize_mat_q8_K_4x8) gives d = +1/63.5 for rows 0, 1, 3
     * with the row quantizer, which takes the first value of largest magnitude, and d =
     * -1/63.5 for rows 0, 1, 2 with the interleaved one, which looks for any +amax.
     */
    @Test
    void q8kSignFollowsTheQuantizerGgmlUses() {
        float[] x = new float[4 * 256];
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i < 256; i++) x[r * 256 + i] = (float) ((i * 37 + r * 11) % 200 - 100) / 100.0f;
            x[r * 256 + 3] = -2f;
            x[r * 256 + 100 + r] = 2f;
        }
        x[2 * 256 + 3] = 1.5f;
        x[3 * 256 + 103] = 1f;
        x[3 * 256 + 7] = 1.9f;
        float d = 0.0157480314f;
        Q8Rows row = Q8Rows.q8K(x, 4, 256, 0);
        Q8Rows interleaved = Q8Rows.q8K(x, 4, 256, 4);
        float[] rowD = {d, d, -d, d}, interleavedD = {-d, -d, -d, d};
        for (int r = 0; r < 4; r++) {
            assertEquals(rowD[r], row.d[r], 0f, "quantize_row_q8_K d of row " + r);
            assertEquals(interleavedD[r], interleaved.d[r], 0f, "ggml_quantize_mat_q8_K_4x8 d of row " + r);
        }
        assertEquals(-127, row.value(0, 3));
        assertEquals(127, interleaved.value(0, 3));
        assertEquals(-95, row.value(2, 3)); // 1.5 * -127 / 2 = -95.25
    }

    @Test
    void q8kBlockSumsAreSumsOfSixteenValues() {
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37) * (1 + i % 5);
        Q8Rows q = Q8Rows.q8K(x, 1, 512, 0);
        for (int g = 0; g < 32; g++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += q.value(0, 16 * g + i);
            assertEquals(sum, q.bsums[g], "sum of group " + g);
        }
        Q8Rows zeros = Q8Rows.q8K(new float[256], 1, 256, 0);
        assertEquals(0f, zeros.d[0]);
    }

    /**
     * x_i = (i - 16) / 2: amax 8, d = fp16(8/127), q_i = rint(k * 127/8) for k = -16..15; the
     * pairs k, -k cancel, so sum(q) = q(-16) = -127 and s = fp16(d * -127) = -8.
     */
    @Test
    void q8_1KeepsTheBlockSumTimesTheUnroundedScale() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.5f;
        Q8Rows q = Q8Rows.q8_1(x, 1, 32);
        assertEquals(Layouts.roundF16(8f / 127f), q.d[0], 0f);
        assertEquals(-8f, q.s[0], 0f);
        assertEquals(-127, q.value(0, 0));
        assertEquals(64, q.value(0, 24)); // 4 * 127 / 8 = 63.5 rounds to even
        assertEquals(71, q.value(0, 25)); // 4.5 * 15.875 = 71.4375
    }
}
