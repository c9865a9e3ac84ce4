package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * 16-bit float weights (F16 or BF16). As in ggml, the activations are first rounded to the
 * weight's precision; the products are then accumulated in f32.
 */
abstract sealed class HalfFloatKernel implements WeightKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));

    /** Widens {@code S.length()} 16-bit values at {@code offset} to floats. */
    abstract FloatVector widen(MemorySegment w, long offset);

    abstract float widen(short bits);

    abstract float round(float x);

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        float[] v = new float[batch * cols];
        for (int i = 0; i < v.length; i++) v[i] = round(x[i]);
        return new Activations(batch, cols, v, null);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        long rowBytes = 2L * cols;
        int upper = S.loopBound(cols);
        float[] xv = x.values();
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int b = 0; b < x.batch(); b++) {
                int xo = b * cols;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < upper; i += S.length()) {
                    acc = widen(w, base + 2L * i).fma(FloatVector.fromArray(S, xv, xo + i), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; i < cols; i++) sum += widen(w.get(Layouts.I16, base + 2L * i)) * xv[xo + i];
                out[b * outStride + r] = sum;
            }
        }
    }

    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        long base = 2L * cols * r;
        int upper = S.loopBound(cols);
        int i = 0;
        for (; i < upper; i += S.length()) widen(w, base + 2L * i).intoArray(dst, dstOffset + i);
        for (; i < cols; i++) dst[dstOffset + i] = widen(w.get(Layouts.I16, base + 2L * i));
    }

    static IntVector loadHalves(MemorySegment w, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(SH, w, offset, Layouts.LE)
                .convertShape(VectorOperators.S2I, SI, 0)
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
        @Override public WeightKernel reference() { return new HalfFloatReference(this); }
    }

    static final class BF16 extends HalfFloatKernel {
        @Override public GgmlType type() { return GgmlType.BF16; }

        @Override
        FloatVector widen(MemorySegment w, long offset) {
            return loadHalves(w, offset).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }

        @Override float widen(short bits) { return Layouts.bf16ToFloat(bits); }
        @Override float round(float x) { return Layouts.roundBf16(x); }
        @Override public WeightKernel reference() { return new HalfFloatReference(this); }
    }

    /** Scalar twin: same rounding, plain loops. */
    static final class HalfFloatReference implements WeightKernel {
        private final HalfFloatKernel kind;

        HalfFloatReference(HalfFloatKernel kind) {
            this.kind = kind;
        }

        @Override public GgmlType type() { return kind.type(); }
        @Override public Activations prepare(float[] x, int batch, int cols) { return kind.prepare(x, batch, cols); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < x.batch(); b++) {
                    float sum = 0;
                    for (int i = 0; i < cols; i++) {
                        sum += kind.widen(w.get(Layouts.I16, 2L * ((long) r * cols + i))) * x.values()[b * cols + i];
                    }
                    out[b * outStride + r] = sum;
                }
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = kind.widen(w.get(Layouts.I16, 2L * ((long) r * cols + i)));
        }

        @Override public WeightKernel reference() { return this; }
    }
}
