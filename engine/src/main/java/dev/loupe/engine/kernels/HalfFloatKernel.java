package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * 16-bit float weights (F16 or BF16). As in ggml, the activations are first rounded to the
 * weight's precision; the products are summed in f32 in {@link GgmlOrder ggml's order}
 * (for BF16 ggml's own AVX2 loop differs slightly; no oracle case covers it yet).
 */
abstract sealed class HalfFloatKernel implements WeightKernel {
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

    /**
     * The same rounding as {@link #prepare}, straight into {@code dst}: a FAST product's
     * operands (every row of every encoder product of an F16 mmproj). Each type writes its own
     * loop, without the virtual {@link #round}, so that C2 vectorizes it (F16: the CPU's own
     * float-to-half and back conversions) — the inherited copy-prepare-copy took ~7% of a
     * SmolVLM encoder pass.
     */
    @Override
    public abstract void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols);

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        float[] v = new float[batch * cols];
        for (int i = 0; i < v.length; i++) v[i] = round(x[i]);
        return new Activations(batch, cols, v, null);
    }

    /**
     * ggml's vec_dot order ({@link GgmlOrder}) on rows widened first: widening is exact, so a
     * row widened by {@link #dequantizeRow} (F16: the CPU's own half conversion, vectorized by
     * C2) and then multiplied gives the floats of widening inside the loop, at a third of the
     * cost for F16.
     */
    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        if (x.batch() > 1) {
            GgmlOrder.multiplyWidened(this, w, cols, x, r0, r1, out, outStride);
            return;
        }
        float[] row = Scratch.mine().weights(cols);
        float[] xv = x.values();
        for (int r = r0; r < r1; r++) {
            dequantizeRow(w, cols, r, row, 0);
            out[r] = GgmlOrder.dot(row, 0, xv, 0, cols);
        }
    }

    static final class F16 extends HalfFloatKernel {
        @Override public GgmlType type() { return GgmlType.F16; }

        @Override float round(float x) { return Layouts.roundF16(x); }

        @Override
        public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = Float.float16ToFloat(Float.floatToFloat16(x[xo + i]));
        }

        /**
         * A plain loop over {@link Float#float16ToFloat}: C2 vectorizes it into the CPU's
         * half-to-float conversion (vcvtph2ps), which the Vector API does not expose — 0.05 ns
         * per value here against 0.16 for rebiasing exponents with vector bit arithmetic.
         * Every product of an F16 matrix widens its rows here.
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

        @Override float round(float x) { return Layouts.roundBf16(x); }

        @Override
        public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = Layouts.roundBf16(x[xo + i]);
        }

        /**
         * A plain loop moving each half to the top of an f32 (bf16 is f32's upper half), which C2
         * vectorizes as it does F16's: the Vector API's short-to-int shape conversion it replaced
         * compiled to a boxed fallback in some JIT states (KernelAllocationTest caught 3 KB per
         * row when other tests had compiled the kernels first).
         */
        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            long base = 2L * cols * r;
            for (int i = 0; i < cols; i++) dst[dstOffset + i] = Float.intBitsToFloat((w.get(Layouts.I16, base + 2L * i) & 0xFFFF) << 16);
        }

        @Override
        public WeightKernel reference() {
            return new DequantizingReference(this, (w, i) -> Layouts.bf16ToFloat(w.get(Layouts.I16, 2 * i)));
        }
    }
}
