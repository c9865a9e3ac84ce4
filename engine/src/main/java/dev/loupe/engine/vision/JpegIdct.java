package dev.loupe.engine.vision;

/**
 * The integer 8x8 inverse DCT stb_image uses (the "islow" algorithm of the IJG's jidctint with
 * stb's own constants and rounding): 12-bit fixed-point constants, a column pass that keeps 2
 * extra bits, a row pass that removes 17 bits with rounding and adds the 128 level shift.
 * Reproduced operation for operation because its rounding, not the ideal DCT, is what
 * llama.cpp's pixels carry (libjpeg's islow, which ImageIO uses, rounds differently).
 */
final class JpegIdct {
    /** stb's {@code f2f}: {@code (int)(x * 4096 + 0.5)} with x a float literal, the sum in double. */
    private static int f2f(float x) {
        return (int) ((double) (x * 4096) + 0.5);
    }

    private static final int C0_541 = f2f(0.5411961f);
    private static final int CM1_847 = f2f(-1.847759065f);
    private static final int C0_765 = f2f(0.765366865f);
    private static final int C1_175 = f2f(1.175875602f);
    private static final int C0_298 = f2f(0.298631336f);
    private static final int C2_053 = f2f(2.053119869f);
    private static final int C3_072 = f2f(3.072711026f);
    private static final int C1_501 = f2f(1.501321110f);
    private static final int CM0_899 = f2f(-0.899976223f);
    private static final int CM2_562 = f2f(-2.562915447f);
    private static final int CM1_961 = f2f(-1.961570560f);
    private static final int CM0_390 = f2f(-0.390180644f);

    private JpegIdct() {
    }

    /**
     * Transforms the dequantised coefficients {@code coef} (natural order, 64 values from
     * {@code coefOff}) into 8x8 samples written to {@code out} at {@code outOff} with row
     * stride {@code stride}. {@code work} is a caller-owned 64-int scratch buffer.
     */
    static void transform(short[] coef, int coefOff, byte[] out, int outOff, int stride, int[] work) {
        int[] v = work;
        for (int i = 0; i < 8; i++) {
            int d = coefOff + i;
            if (coef[d + 8] == 0 && coef[d + 16] == 0 && coef[d + 24] == 0 && coef[d + 32] == 0
                    && coef[d + 40] == 0 && coef[d + 48] == 0 && coef[d + 56] == 0) {
                // stb's shortcut; it equals the full pass, which would also give d[0] * 4.
                int dc = coef[d] * 4;
                for (int r = 0; r < 64; r += 8) v[i + r] = dc;
                continue;
            }
            int s0 = coef[d], s1 = coef[d + 8], s2 = coef[d + 16], s3 = coef[d + 24];
            int s4 = coef[d + 32], s5 = coef[d + 40], s6 = coef[d + 48], s7 = coef[d + 56];
            // even part
            int p1 = (s2 + s6) * C0_541;
            int t2 = p1 + s6 * CM1_847;
            int t3 = p1 + s2 * C0_765;
            int t0 = (s0 + s4) * 4096;
            int t1 = (s0 - s4) * 4096;
            int x0 = t0 + t3, x3 = t0 - t3, x1 = t1 + t2, x2 = t1 - t2;
            // odd part
            int o0 = s7, o1 = s5, o2 = s3, o3 = s1;
            int p3 = o0 + o2, p4 = o1 + o3;
            int q1 = o0 + o3, q2 = o1 + o2;
            int p5 = (p3 + p4) * C1_175;
            o0 *= C0_298;
            o1 *= C2_053;
            o2 *= C3_072;
            o3 *= C1_501;
            q1 = p5 + q1 * CM0_899;
            q2 = p5 + q2 * CM2_562;
            p3 *= CM1_961;
            p4 *= CM0_390;
            o3 += q1 + p4;
            o2 += q2 + p3;
            o1 += q2 + p4;
            o0 += q1 + p3;
            x0 += 512;
            x1 += 512;
            x2 += 512;
            x3 += 512;
            v[i] = (x0 + o3) >> 10;
            v[i + 56] = (x0 - o3) >> 10;
            v[i + 8] = (x1 + o2) >> 10;
            v[i + 48] = (x1 - o2) >> 10;
            v[i + 16] = (x2 + o1) >> 10;
            v[i + 40] = (x2 - o1) >> 10;
            v[i + 24] = (x3 + o0) >> 10;
            v[i + 32] = (x3 - o0) >> 10;
        }
        for (int r = 0, o = outOff; r < 64; r += 8, o += stride) {
            int s0 = v[r], s1 = v[r + 1], s2 = v[r + 2], s3 = v[r + 3];
            int s4 = v[r + 4], s5 = v[r + 5], s6 = v[r + 6], s7 = v[r + 7];
            int p1 = (s2 + s6) * C0_541;
            int t2 = p1 + s6 * CM1_847;
            int t3 = p1 + s2 * C0_765;
            int t0 = (s0 + s4) * 4096;
            int t1 = (s0 - s4) * 4096;
            int x0 = t0 + t3, x3 = t0 - t3, x1 = t1 + t2, x2 = t1 - t2;
            int o0 = s7, o1 = s5, o2 = s3, o3 = s1;
            int p3 = o0 + o2, p4 = o1 + o3;
            int q1 = o0 + o3, q2 = o1 + o2;
            int p5 = (p3 + p4) * C1_175;
            o0 *= C0_298;
            o1 *= C2_053;
            o2 *= C3_072;
            o3 *= C1_501;
            q1 = p5 + q1 * CM0_899;
            q2 = p5 + q2 * CM2_562;
            p3 *= CM1_961;
            p4 *= CM0_390;
            o3 += q1 + p4;
            o2 += q2 + p3;
            o1 += q2 + p4;
            o0 += q1 + p3;
            // 2^16 rounds the 17-bit shift; 128 << 17 is the level shift, applied before it.
            final int bias = 65536 + (128 << 17);
            x0 += bias;
            x1 += bias;
            x2 += bias;
            x3 += bias;
            out[o] = clamp((x0 + o3) >> 17);
            out[o + 7] = clamp((x0 - o3) >> 17);
            out[o + 1] = clamp((x1 + o2) >> 17);
            out[o + 6] = clamp((x1 - o2) >> 17);
            out[o + 2] = clamp((x2 + o1) >> 17);
            out[o + 5] = clamp((x2 - o1) >> 17);
            out[o + 3] = clamp((x3 + o0) >> 17);
            out[o + 4] = clamp((x3 - o0) >> 17);
        }
    }

    private static byte clamp(int x) {
        return (byte) (x < 0 ? 0 : Math.min(x, 255));
    }
}
