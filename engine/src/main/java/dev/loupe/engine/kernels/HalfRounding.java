package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Layouts#roundF16} over a range of an array, a vector at a time: each value rounded to
 * the nearest fp16 value (ties to even), as {@code Float.float16ToFloat(Float.floatToFloat16(x))}
 * gives it — the rounding point of ggml's fp16 accumulators, which the decode-time attention
 * hits d times per cell.
 *
 * <ul>
 * <li>fp16 normals (|x| >= 2^-14): the 13 low mantissa bits rounded away on the bit pattern,
 *     half to even; a carry into the exponent is the correct result.</li>
 * <li>fp16 subnormals (|x| < 2^-14): a multiple of 2^-24, obtained by adding and subtracting
 *     0.5, whose ulp is 2^-24 (the float addition rounds half to even).</li>
 * <li>|x| >= 65520 (the first value fp16 rounds up past its largest, 65504): infinity.</li>
 * <li>NaN stays NaN.</li>
 * </ul>
 *
 * <p>Arrays in, arrays out: a helper that took and returned a vector was compiled apart from
 * its caller in some JVMs (a Qwen3-VL-4B run's attention allocated 74 GB of boxed vectors in
 * two minutes, its C2 code calling the Vector API's Java fallback), so no vector crosses this
 * class's boundary.
 */
final class HalfRounding {
    private static final int SMALLEST_NORMAL = 0x38800000; // 2^-14
    private static final int OVERFLOW = 0x477ff000;        // 65520
    private static final int INFINITY = 0x7f800000;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);

    private HalfRounding() {}

    /** {@code a[i] = fp16(a[i])} for i in [from, to). */
    static void roundInPlace(float[] a, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            IntVector bits = FloatVector.fromArray(S, a, i).reinterpretAsInts();
            IntVector magnitude = bits.lanewise(VectorOperators.AND, 0x7fffffff);
            IntVector sign = bits.lanewise(VectorOperators.AND, 0x80000000);
            IntVector even = magnitude.lanewise(VectorOperators.LSHR, 13).lanewise(VectorOperators.AND, 1);
            IntVector normal = magnitude.add(0x0fff).add(even).lanewise(VectorOperators.AND, 0xffffe000);
            IntVector subnormal = magnitude.reinterpretAsFloats().add(0.5f).sub(0.5f).reinterpretAsInts();
            VectorMask<Integer> small = magnitude.compare(VectorOperators.LT, SMALLEST_NORMAL);
            VectorMask<Integer> huge = magnitude.compare(VectorOperators.GE, OVERFLOW);
            VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, INFINITY);
            IntVector rounded = normal.blend(subnormal, small).blend(IntVector.broadcast(IS, INFINITY), huge);
            rounded.lanewise(VectorOperators.OR, sign).blend(bits, nan).reinterpretAsFloats().intoArray(a, i);
        }
        for (; i < to; i++) a[i] = Layouts.roundF16(a[i]);
    }
}
