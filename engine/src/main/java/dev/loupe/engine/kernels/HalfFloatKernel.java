package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.GgmlOrder.S8;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-bit float weights (F16 or BF16). As in ggml, the activations are first rounded to the
 * weight's precision; the products are summed in f32 in {@link GgmlOrder ggml's order}
 * (for BF16 ggml's own AVX2 loop differs slightly; no oracle case covers it yet).
 */
abstract sealed class HalfFloatKernel implements WeightKernel {
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> H8 = ShortVector.SPECIES_128;

    /** Widens 8 16-bit values at byte {@code offset} to floats. */
    abstract FloatVector widen(MemorySegment w, long offset);

    abstract float widen(short bits);

    abstract float round(float x);

    /** ggml's single-row product widens the same halves: no faster than widening a row and striping it. */
    @Override
    public boolean stripesOneRow() {
        return true;
    }

    /** Activations rounded to halves row by row, then ggml's vec_dot per row at any batch size. */
    @Override
    public boolean exactRowsBatchInvariant() {
        return true;
    }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        float[] v = new float[batch * cols];
        for (int i = 0; i < v.length; i++) v[i] = round(x[i]);
        return new Activations(batch, cols, v, null);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        if (x.batch() > 1) {
            GgmlOrder.multiplyWidened(this, w, cols, x, r0, r1, out, outStride);
            return;
        }
        long rowBytes = 2L * cols;
        int blocked = cols & ~31;
        float[] xv = x.values();
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int b = 0; b < x.batch(); b++) {
                int xo = b * cols;
                float result = 0f;
                if (blocked > 0) {
                    FloatVector a0 = FloatVector.zero(S8), a1 = a0, a2 = a0, a3 = a0;
                    for (int i = 0; i < blocked; i += 32) {
                        long o = base + 2L * i;
                        a0 = widen(w, o).fma(FloatVector.fromArray(S8, xv, xo + i), a0);
                        a1 = widen(w, o + 16).fma(FloatVector.fromArray(S8, xv, xo + i + 8), a1);
                        a2 = widen(w, o + 32).fma(FloatVector.fromArray(S8, xv, xo + i + 16), a2);
                        a3 = widen(w, o + 48).fma(FloatVector.fromArray(S8, xv, xo + i + 24), a3);
                    }
                    result = GgmlOrder.reduce(a0, a1, a2, a3);
                }
                if (blocked < cols) {
                    double sum = result;
                    for (int i = blocked; i < cols; i++) sum += widen(w.get(Layouts.I16, base + 2L * i)) * xv[xo + i];
                    result = (float) sum;
                }
                out[b * outStride + r] = result;
            }
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        long base = 2L * cols * r;
        int upper = cols & ~7;
        int i = 0;
        for (; i < upper; i += 8) widen(w, base + 2L * i).intoArray(dst, dstOffset + i);
        for (; i < cols; i++) dst[dstOffset + i] = widen(w.get(Layouts.I16, base + 2L * i));
    }

    static IntVector loadHalves(MemorySegment w, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(H8, w, offset, Layouts.LE)
                .convertShape(VectorOperators.S2I, I8, 0)
                .lanewise(VectorOperators.AND, 0xffff);
    }

    static final class F16 extends HalfFloatKernel {
        @Override public GgmlType type() { return GgmlType.F16; }

        /**
         * Exact fp16 to f32 without a conversion instruction: shifting the exponent and mantissa
         * into f32 position and multiplying by 2^112 rebias normals and subnormals alike; inf and
         * NaN (exponent 31) get the f32 all-ones exponent instead.
         */
        @Override
        FloatVector widen(MemorySegment w, long offset) {
            IntVector h = loadHalves(w, offset);
            IntVector magnitude = h.lanewise(VectorOperators.AND, 0x7fff);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7c00);
            IntVector bits = finite.blend(shifted.lanewise(VectorOperators.OR, 0x70000000), special)
                    .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16));
            return bits.reinterpretAsFloats();
        }

        @Override float widen(short bits) { return Float.float16ToFloat(bits); }
        @Override float round(float x) { return Layouts.roundF16(x); }

        /**
         * A plain loop over {@link Float#float16ToFloat}: C2 vectorizes it into the CPU's
         * half-to-float conversion (vcvtph2ps), which the Vector API does not expose — 0.05 ns
         * per value here against 0.16 for {@link #widen(MemorySegment, long)}'s bit arithmetic.
         * Every striped decode row and prefill panel of an F16 matrix is widened here.
         */
        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            long base = 2L * cols * r;
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = Float.float16ToFloat(w.get(Layouts.I16, base + 2L * i));
        }

        @Override
        public WeightKernel reference() {
            return new DequantizingReference(this, (w, i) -> Float.float16ToFloat(w.get(Layouts.I16, 2 * i)));
        }
    }

    static final class BF16 extends HalfFloatKernel {
        @Override public GgmlType type() { return GgmlType.BF16; }

        @Override
        FloatVector widen(MemorySegment w, long offset) {
            return loadHalves(w, offset).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }

        @Override float widen(short bits) { return Layouts.bf16ToFloat(bits); }
        @Override float round(float x) { return Layouts.roundBf16(x); }

        @Override
        public WeightKernel reference() {
            return new DequantizingReference(this, (w, i) -> Layouts.bf16ToFloat(w.get(Layouts.I16, 2 * i)));
        }
    }
}
