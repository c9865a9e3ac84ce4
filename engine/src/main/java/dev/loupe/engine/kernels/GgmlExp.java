package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's vectorised single-precision exponential ({@code ggml_v_expf}, AVX2 build) and the
 * SiLU built on it, emulated lane by lane with fused multiply-adds so that results are
 * bit-identical to llama.cpp's. ggml uses this approximation (max error ~1.5 ulp) in SwiGLU
 * and in flash attention's tiled softmax, for every full group of 8 values; leftovers use
 * libm's {@code expf}.
 */
public final class GgmlExp {
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    private GgmlExp() {}

    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    /** Values a caller's {@link #scratch} holds: 4 KB, in L1. */
    static final int CHUNK = 1024;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    /** The thread's {@link #CHUNK} floats for {@link #vexpInPlace} over values that must stay as they are. */
    static float[] scratch() {
        return SCRATCH.get();
    }

    /**
     * {@code a[i] = ggml_v_expf(a[i])} for the {@code n} values from {@code off}, n a multiple
     * of 8: 8 lanes at a time, operation for operation, so each value equals
     * {@link #vexp(float)}. Arrays in and out, never a vector: a helper that took and returned
     * one could be compiled apart from its caller, and then every call boxed its vectors (as
     * the fp16 rounding of decode attention did, {@link HalfRounding}).
     */
    public static void vexpInPlace(float[] a, int off, int n) {
        if (n % 8 != 0) throw new IllegalArgumentException("vexpInPlace takes whole groups of 8 values, not " + n);
        final float r = 0x1.8p23f;
        for (int i = off; i < off + n; i += 8) {
            FloatVector x = FloatVector.fromArray(S8, a, i);
            FloatVector z = x.fma(0x1.715476p+0f, r);
            FloatVector nn = z.sub(r);
            FloatVector negN = nn.neg();
            FloatVector b = negN.fma(FloatVector.broadcast(S8, 0x1.7f7d1cp-20f), negN.fma(FloatVector.broadcast(S8, 0x1.62e4p-1f), x));
            IntVector e = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
            FloatVector k = e.add(ONE_BITS).reinterpretAsFloats();
            FloatVector u = b.mul(b);
            FloatVector j = b.fma(0x1.0e4020p-7f, 0x1.573e2ep-5f).fma(u, b.fma(0x1.555e66p-3f, 0x1.fffdb6p-2f))
                    .fma(u, b.mul(0x1.ffffecp-1f));
            FloatVector abs = nn.abs();
            VectorMask<Float> c = abs.compare(VectorOperators.GT, 126f);
            FloatVector plain = k.fma(j, k);
            if (!c.anyTrue()) {
                plain.intoArray(a, i);
                continue;
            }
            IntVector g = IntVector.zero(IntVector.SPECIES_256)
                    .blend(0x82000000, nn.compare(VectorOperators.LE, 0f).cast(IntVector.SPECIES_256));
            FloatVector s1 = g.add(0x7f000000).reinterpretAsFloats();
            FloatVector s2 = e.sub(g).reinterpretAsFloats();
            FloatVector scaled = s2.fma(j, s2).mul(s1);
            plain.blend(scaled, c).blend(s1.mul(s1), abs.compare(VectorOperators.GT, 192f)).intoArray(a, i);
        }
    }

    /** One lane of {@code ggml_v_expf}. */
    public static float vexp(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + ONE_BITS);
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                        Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u, 0x1.ffffecp-1f * b);
        float absN = Math.abs(n);
        if (!(absN > 126f)) return Math.fma(k, j, k);
        // Large |n|: scale in two steps so that neither over- nor underflows early.
        int g = n <= 0f ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        if (absN > 192f) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }

    private static final long[] EXP2F_TABLE = {
        0x3ff0000000000000L, 0x3fefd9b0d3158574L, 0x3fefb5586cf9890fL, 0x3fef9301d0125b51L,
        0x3fef72b83c7d517bL, 0x3fef54873168b9aaL, 0x3fef387a6e756238L, 0x3fef1e9df51fdee1L,
        0x3fef06fe0a31b715L, 0x3feef1a7373aa9cbL, 0x3feedea64c123422L, 0x3feece086061892dL,
        0x3feebfdad5362a27L, 0x3feeb42b569d4f82L, 0x3feeab07dd485429L, 0x3feea47eb03a5585L,
        0x3feea09e667f3bcdL, 0x3fee9f75e8ec5f74L, 0x3feea11473eb0187L, 0x3feea589994cce13L,
        0x3feeace5422aa0dbL, 0x3feeb737b0cdc5e5L, 0x3feec49182a3f090L, 0x3feed503b23e255dL,
        0x3feee89f995ad3adL, 0x3feeff76f2fb5e47L, 0x3fef199bdd85529cL, 0x3fef3720dcef9069L,
        0x3fef5818dcfba487L, 0x3fef7c97337b9b5fL, 0x3fefa4afa2a490daL, 0x3fefd0765b6e4540L,
    };
    private static final double N = 32;
    private static final double INV_LN2_N = 0x1.71547652b82fep+0 * N;
    private static final double SHIFT = 0x1.8p+52;
    private static final double C0 = 0x1.c6af84b912394p-5 / N / N / N;
    private static final double C1 = 0x1.ebfce50fac4f3p-3 / N / N;
    private static final double C2 = 0x1.62e42ff0c52d6p-1 / N;
    private static final int TOP12_88 = (Float.floatToRawIntBits(88.0f) >>> 20) & 0x7ff;

    /**
     * glibc's {@code expf} as llama.cpp's scalar code gets it on x86-64 with FMA (the ifunc picks
     * the FMA build): x = k/32 + r in double, a 32-entry table of 2^(i/32) and a cubic in r.
     * Its results are within 0.502 ulp and differ from a correctly rounded exp in rare cases;
     * flash attention's fp16 accumulator turns those into visible differences, hence the port.
     */
    public static float expf(float x) {
        int bits = Float.floatToRawIntBits(x);
        int abstop = (bits >>> 20) & 0x7ff;
        if (abstop >= TOP12_88) {
            if (bits == 0xff800000) return 0f;
            if (abstop >= 0x7f8) return x + x;
            if (x > 0x1.62e42ep6f) return Float.POSITIVE_INFINITY;
            if (x < -0x1.9fe368p6f) return 0f;
        }
        double xd = x;
        double z = INV_LN2_N * xd;
        double kd = z + SHIFT;
        long ki = Double.doubleToRawLongBits(kd);
        kd -= SHIFT;
        double r = z - kd;
        long t = EXP2F_TABLE[(int) (ki & 31)] + (ki << 47);
        double sc = Double.longBitsToDouble(t);
        double zz = Math.fma(C0, r, C1);
        double r2 = r * r;
        double y = Math.fma(C2, r, 1.0);
        y = Math.fma(zz, r2, y);
        return (float) (y * sc);
    }

    /**
     * {@code ggml_vec_swiglu_f32}: y[i] = silu(x[i]) * g[i], the vector SiLU
     * ({@code x / (1 + vexp(-x))}) for full groups of 8, the scalar one for the rest.
     */
    public static void swiglu(float[] x, int xOff, float[] g, int gOff, float[] y, int yOff, int n) {
        int groups = n & ~7;
        // Chunk by chunk through scratch, as y may be x: -x, its exponentials, then the SiLU.
        float[] t = scratch();
        for (int c0 = 0; c0 < groups; c0 += CHUNK) {
            int len = Math.min(CHUNK, groups - c0);
            for (int i = 0; i < len; i += 8) FloatVector.zero(S8).sub(FloatVector.fromArray(S8, x, xOff + c0 + i)).intoArray(t, i);
            vexpInPlace(t, 0, len);
            for (int i = 0; i < len; i += 8) {
                FloatVector v = FloatVector.fromArray(S8, x, xOff + c0 + i);
                v.div(FloatVector.fromArray(S8, t, i).add(1f)).mul(FloatVector.fromArray(S8, g, gOff + c0 + i)).intoArray(y, yOff + c0 + i);
            }
        }
        for (int i = groups; i < n; i++) {
            float v = x[xOff + i];
            y[yOff + i] = (v / (1.0f + expf(-v))) * g[gOff + i];
        }
    }

    /**
     * {@code ggml_vec_soft_max_f32}: y = exp(x - max), returning the sum. Full groups of 8 use
     * {@link #vexpInPlace} and are folded ((0+4)+(2+6)) + ((1+5)+(3+7)) before being added in double.
     */
    public static double softmaxExp(float[] x, int xOff, float[] y, int yOff, int n, float max) {
        double sum = 0;
        int i = 0;
        int groups = n & ~7;
        for (; i < groups; i += 8) FloatVector.fromArray(S8, x, xOff + i).sub(max).intoArray(y, yOff + i);
        vexpInPlace(y, yOff, groups);
        for (i = 0; i < groups; i += 8) {
            int o = yOff + i;
            sum += ((y[o] + y[o + 4]) + (y[o + 2] + y[o + 6])) + ((y[o + 1] + y[o + 5]) + (y[o + 3] + y[o + 7]));
        }
        for (; i < n; i++) {
            float v = expf(x[xOff + i] - max);
            y[yOff + i] = v;
            sum += v;
        }
        return sum;
    }
}
