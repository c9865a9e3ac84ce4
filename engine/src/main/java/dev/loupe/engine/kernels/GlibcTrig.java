package dev.loupe.engine.kernels;

/**
 * {@code sinf} and {@code cosf} as glibc (2.28 and later, x86-64 FMA build) computes them, bit
 * for bit. ggml builds its RoPE tables with these calls, and they are not Java's
 * {@code (float) Math.cos(x)}: glibc evaluates a short polynomial in double precision after a
 * one-step range reduction and rounds once, which is within 0.56 ulp but not always the nearest
 * float (measured: 20 of 1024 RoPE angles differ from Java's by one ulp). One ulp in one angle
 * moves every attention output after it, so the encoders and decoders use these.
 *
 * <p>The method: |x| &lt; pi/4 evaluates the polynomial directly; |x| &lt; 120 reduces by the
 * nearest multiple of pi/2 with one fused multiply-subtract; larger arguments reduce with a
 * 192-bit fixed-point multiple of 4/pi. The quadrant picks sine or cosine polynomial and sign.
 * Coefficients are glibc's (minimax fits); multiply-adds are fused where GCC contracts them in
 * glibc's FMA variant, which is the one the dynamic loader picks on CPUs with FMA.
 */
public final class GlibcTrig {
    private GlibcTrig() {}

    private static final double HPI_INV = 0x1.45F306DC9C883p+23; // 2/pi * 2^24
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final double PI63 = 0x1.921FB54442D18p-62;   // 2pi * 2^-64
    private static final double C0 = 0x1p0, C1 = -0x1.ffffffd0c621cp-2, C2 = 0x1.55553e1068f19p-5,
            C3 = -0x1.6c087e89a359dp-10, C4 = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3, S2 = 0x1.1107605230bc4p-7, S3 = -0x1.994eb3774cf24p-13;
    /** 4/pi to 192 bits, 8 new bits per entry. */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041};
    private static final int TOP_PIO4 = abstop12((float) 0x1.921FB54442D18p-1);
    private static final int TOP_TINY = abstop12(0x1p-12f);
    private static final int TOP_120 = abstop12(120f);
    private static final int TOP_INF = abstop12(Float.POSITIVE_INFINITY);

    public static float sinf(float y) {
        return evaluate(y, false);
    }

    public static float cosf(float y) {
        return evaluate(y, true);
    }

    /** The exponent and top mantissa bits without the sign: glibc's range tests. */
    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }

    private static float evaluate(float y, boolean cosine) {
        double x = y;
        int top = abstop12(y);
        if (top < TOP_PIO4) {
            if (top < TOP_TINY) return cosine ? 1f : y;
            return polynomial(x, x * x, false, cosine ? 1 : 0);
        }
        int n;
        int quadrant;
        if (top < TOP_120) {
            n = ((int) (x * HPI_INV) + 0x800000) >> 24;
            x = Math.fma(-(double) n, HPI, x);
            quadrant = n;
        } else if (top < TOP_INF) {
            int bits = Float.floatToRawIntBits(y);
            long[] reduced = reduceLarge(bits);
            n = (int) reduced[0];
            x = Double.longBitsToDouble(reduced[1]);
            quadrant = n + (bits >>> 31);
        } else {
            return Float.NaN;
        }
        double sign = (quadrant & 3) == 1 || (quadrant & 3) == 2 ? -1.0 : 1.0;
        return polynomial(x * sign, x * x, (quadrant & 2) != 0, cosine ? n ^ 1 : n);
    }

    /** Sine polynomial for even n, cosine polynomial (negated when {@code negate}) for odd n. */
    private static float polynomial(double x, double x2, boolean negate, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = Math.fma(x2, S3, S2);
            double x7 = x3 * x2;
            double s = Math.fma(x3, S1, x);
            return (float) Math.fma(x7, s1, s);
        }
        double m = negate ? -1.0 : 1.0;
        double x4 = x2 * x2;
        double c2 = Math.fma(x2, m * C4, m * C3);
        double c1 = Math.fma(x2, m * C1, m * C0);
        double x6 = x4 * x2;
        double c = Math.fma(x4, m * C2, c1);
        return (float) Math.fma(x6, c2, c);
    }

    /** {quadrant, reduced argument's bits}: a 32 x 96 bit product with 4/pi, exact modulo. */
    private static long[] reduceLarge(int bits) {
        int at = (bits >>> 26) & 15;
        int shift = (bits >>> 23) & 7;
        long xi = (((long) bits & 0xffffff) | 0x800000) << shift;
        long res0 = (xi * (INV_PIO4[at] & 0xffffffffL)) & 0xffffffffL;
        long res1 = xi * (INV_PIO4[at + 4] & 0xffffffffL);
        long res2 = xi * (INV_PIO4[at + 8] & 0xffffffffL);
        res0 = (res2 >>> 32) | (res0 << 32);
        res0 += res1;
        long n = (res0 + (1L << 61)) >>> 62;
        res0 -= n << 62;
        return new long[] {n, Double.doubleToRawLongBits((double) res0 * PI63)};
    }
}
