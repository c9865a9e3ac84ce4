package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 weights: blocks of 32 int8 values with one fp16 scale (34 bytes). Activations are
 * quantized to Q8_0 as ggml does before its dot products, and the dot product follows ggml's
 * AVX2 kernel exactly: lane l of an 8-lane accumulator receives, per block, the exact integer
 * sum of products 4l..4l+3 times {@code d_w * d_x} (one FMA), and the lanes are folded as
 * ((0+4)+(2+6)) + ((1+5)+(3+7)). Matching the lane grouping matters: Q8 quantization of the
 * next layer's activations turns a last-bit difference into a whole quantization step.
 *
 * <p>Up to three activation rows multiply the blocks straight from the mapping in 16-bit
 * lanes ({@link IntLanes}' pair sums, activations split into even- and odd-indexed shorts,
 * {@link Q8Rows#pairs}). From four rows on, each weight row is widened to floats once and
 * reused: the activations are then floats stored "transposed" within each block (position
 * {@code j * 8 + l} holds value {@code 4l + j}), the weight block is loaded as 8 ints (lane l =
 * bytes 4l..4l+3) and byte j of every lane extracted with shifts, so that plain vector loads
 * line up with ggml's lanes.
 */
final class Q8_0Kernel implements WeightKernel {
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    @Override public GgmlType type() { return GgmlType.Q8_0; }

    @Override
    public Activations prepare(float[] x, int batch, int cols) {
        return quantize(x, batch, cols);
    }

    /**
     * ggml's AVX2 quantize_row_q8_0: d = amax / 127 (stored as fp16), values multiplied by
     * 127 / amax and rounded half to even ({@link Q8Rows#q8_0}); the integers kept as
     * {@link Q8Rows} (with their 16-bit pairs) and as transposed floats for the widened loop.
     */
    static Activations quantize(float[] x, int batch, int cols) {
        Q8Rows q8 = Q8Rows.q8_0(x, batch, cols);
        float[] q = new float[q8.q.length];
        for (int i = 0; i < q.length; i++) q[i] = q8.q[i];
        return new Activations(batch, cols, q, q8.d, q8);
    }

    @Override
    public void roundRow(float[] x, int xo, float[] dst, int dstOffset, int cols) {
        ActivationRounding.q8_0(x, xo, dst, dstOffset, cols);
    }

    /** Measured on the SmolVLM-256M shape: 2x ggml's single-row Q8_0 product per matrix. */
    @Override
    public boolean stripesOneRow() {
        return true;
    }

    /** ggml's vec_dot per row at any batch size. */
    @Override
    public boolean exactRowsBatchInvariant() {
        return true;
    }

    /**
     * One activation row reads the blocks straight from the mapping: each 32-byte block
     * widened to float vectors times its scale (the values {@link #dequantizeRow} writes) and
     * fed to the accumulators of {@link StripedDot} (two of 16 lanes, or four of 8 where
     * 256-bit vectors are the widest). A batch shares one widened row instead (measured:
     * widening each block again for every four rows is slower).
     */
    @Override
    public void multiplyStriped(MemorySegment w, int cols, float[] x, int batch, int r0, int r1, float[] out, int outStride) {
        if (batch > 1 || F.length() != (StripedDot.WIDE ? 16 : 8)) {
            WeightKernel.super.multiplyStriped(w, cols, x, batch, r0, r1, out, outStride);
            return;
        }
        long rowBytes = (long) (cols / QK) * BLOCK_BYTES;
        for (int r = r0; r < r1; r++) {
            out[r] = StripedDot.WIDE ? stripedRowWide(w, r * rowBytes, cols, x) : stripedRowNarrow(w, r * rowBytes, cols, x);
        }
    }

    /*
     * The striped rows and the one-row products below call only the Vector API, no helper of
     * ours taking or returning vectors (the weight bytes widened times the block scale —
     * dequantizeRow's values —, IntLanes' pair sums, the folds): see BlockKernel's note on
     * laneDot.
     */

    /** Stripes 0-15 and 16-31 in two 16-lane accumulators. */
    private static float stripedRowWide(MemorySegment w, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int k = 0; k < cols; k += QK) {
            long off = base + (long) k / QK * BLOCK_BYTES;
            float d = Layouts.f16(w, off);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 2, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k), a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 18, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k + 16), a1);
        }
        FloatVector f = a0.add(a1); // StripedDot's fold, written out (see BlockKernel's note on laneDot)
        f = f.add(f.rearrange(StripedDot.UPPER8));
        f = f.add(f.rearrange(StripedDot.UPPER4));
        f = f.add(f.rearrange(StripedDot.UPPER2));
        return f.lane(0) + f.lane(1);
    }

    /** Stripes 0-7, 8-15, 16-23, 24-31 in four 8-lane accumulators. */
    private static float stripedRowNarrow(MemorySegment w, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < cols; k += QK) {
            long off = base + (long) k / QK * BLOCK_BYTES;
            float d = Layouts.f16(w, off);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 2, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k), a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 10, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k + 8), a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 18, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k + 16), a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 26, Layouts.LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, k + 24), a3);
        }
        FloatVector t = a0.add(a2).add(a1.add(a3)); // StripedDot's fold, written out (see BlockKernel's note on laneDot)
        FloatVector h = t.add(t.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return p.lane(0) + p.lane(1);
    }

    /** Position of block value {@code i} in the transposed order. */
    static int transposed(int i) {
        return (i & 3) * 8 + (i >> 2);
    }

    @Override
    public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        int blocksPerRow = cols / QK;
        long rowBytes = (long) blocksPerRow * BLOCK_BYTES;
        if (x.batch() >= WIDENED_MIN_BATCH) {
            multiplyBatch(w, cols, x, r0, r1, out, outStride);
            return;
        }
        float[] xd = x.scales();
        short[] xp = x.q8().pairs;
        // Rows in pairs from the two halves of the range: two independent streams and
        // accumulator chains per loop. A decode step is bound by this loop's instruction rate
        // (one core streams ~28 GB/s of plain loads, ~14 through this loop): measured +9% median
        // per core (12.4 vs 11.4 GB/s, interleaved, 2.5 GB of 4B-shape weights). Four rows per
        // loop exceed C2's inlining budget (DesiredMethodLimit): the vectors get boxed, 2x slower.
        int half = (r1 - r0) / 2;
        for (int r = r0; r < r0 + half; r++) {
            for (int b = 0; b < x.batch(); b++) {
                rowPairDot(w, r * rowBytes, (r + half) * rowBytes, blocksPerRow, xp, b * cols, xd, b * blocksPerRow,
                        out, b * outStride + r, b * outStride + r + half);
            }
        }
        if ((r1 - r0) % 2 != 0) {
            for (int b = 0; b < x.batch(); b++) {
                out[b * outStride + r1 - 1] = rowDot(w, (r1 - 1) * rowBytes, blocksPerRow, xp, b * cols, xd, b * blocksPerRow);
            }
        }
    }

    /** {@link #rowDot} of two weight rows at once, each with its own accumulator: the same operations per row. */
    private static void rowPairDot(MemorySegment w, long base0, long base1, int blocksPerRow, short[] xp, int xo, float[] xd, int xdo,
                                   float[] out, int out0, int out1) {
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long o0 = base0 + (long) blk * BLOCK_BYTES, o1 = base1 + (long) blk * BLOCK_BYTES;
            ShortVector w0 = ByteVector.fromMemorySegment(B32, w, o0 + 2, Layouts.LE).reinterpretAsShorts();
            ShortVector w1 = ByteVector.fromMemorySegment(B32, w, o1 + 2, Layouts.LE).reinterpretAsShorts();
            int xb = xo + blk * QK;
            IntVector t0 = w0.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb))
                    .add(w0.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb + 16))).reinterpretAsInts();
            IntVector t1 = w1.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb))
                    .add(w1.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb + 16))).reinterpretAsInts();
            IntVector sum0 = t0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t0.lanewise(VectorOperators.ASHR, 16));
            IntVector sum1 = t1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t1.lanewise(VectorOperators.ASHR, 16));
            float xs = xd[xdo + blk];
            acc0 = FloatVector.broadcast(F8, Layouts.f16(w, o0) * xs).fma((FloatVector) sum0.convert(VectorOperators.I2F, 0), acc0);
            acc1 = FloatVector.broadcast(F8, Layouts.f16(w, o1) * xs).fma((FloatVector) sum1.convert(VectorOperators.I2F, 0), acc1);
        }
        FloatVector h0 = acc0.add(acc0.rearrange(LaneFolds.HALVES)), h1 = acc1.add(acc1.rearrange(LaneFolds.HALVES));
        FloatVector p0 = h0.add(h0.rearrange(LaneFolds.PAIRS)), p1 = h1.add(h1.rearrange(LaneFolds.PAIRS));
        out[out0] = p0.lane(0) + p0.lane(1);
        out[out1] = p1.lane(0) + p1.lane(1);
    }

    /**
     * From this many activation rows on, a weight row is widened to floats once and reused
     * (measured: with fewer, reading the cached row again with the 16-bit kernel is faster).
     */
    static final int WIDENED_MIN_BATCH = 4;

    /** One weight row (at byte {@code base}) times one activation row, reading the blocks from the mapping. */
    private static float rowDot(MemorySegment w, long base, int blocksPerRow, short[] xp, int xo, float[] xd, int xdo) {
        FloatVector acc = FloatVector.zero(F8);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            long off = base + (long) blk * BLOCK_BYTES;
            ShortVector pairs = ByteVector.fromMemorySegment(B32, w, off + 2, Layouts.LE).reinterpretAsShorts();
            int xb = xo + blk * QK;
            IntVector t = pairs.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb))
                    .add(pairs.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(S16, xp, xb + 16))).reinterpretAsInts();
            IntVector sum = t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(t.lanewise(VectorOperators.ASHR, 16));
            float scale = Layouts.f16(w, off) * xd[xdo + blk];
            acc = FloatVector.broadcast(F8, scale).fma((FloatVector) sum.convert(VectorOperators.I2F, 0), acc);
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return p.lane(0) + p.lane(1);
    }

    /**
     * Prefill and batched decode: each weight row's integers are extracted once (as floats, in
     * the same transposed block order as the activations) and reused for every activation row.
     * Per lane the four products and their sums are integers below 2^24, exact in floats, so
     * the block sums equal the one-row loop's integer sums and results are identical.
     */
    private void multiplyBatch(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
        int blocksPerRow = cols / QK;
        long rowBytes = (long) blocksPerRow * BLOCK_BYTES;
        float[] xq = x.values(), xd = x.scales();
        Scratch scratch = Scratch.mine();
        float[] wq = scratch.weights(cols), wd = scratch.scales(blocksPerRow);
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            for (int blk = 0; blk < blocksPerRow; blk++) {
                long off = base + (long) blk * BLOCK_BYTES;
                // Signed byte j of every int lane, as floats: the values 4l + j, transposed.
                IntVector groups = ByteVector.fromMemorySegment(B32, w, off + 2, Layouts.LE).reinterpretAsInts();
                ((FloatVector) groups.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).intoArray(wq, blk * QK);
                ((FloatVector) groups.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).intoArray(wq, blk * QK + 8);
                ((FloatVector) groups.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).intoArray(wq, blk * QK + 16);
                ((FloatVector) groups.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).intoArray(wq, blk * QK + 24);
                wd[blk] = Layouts.f16(w, off);
            }
            int b = 0;
            for (; b + 4 <= x.batch(); b += 4) fourRows(wq, wd, xq, xd, cols, b, r, out, outStride);
            for (; b < x.batch(); b++) out[b * outStride + r] = oneRow(wq, wd, xq, xd, cols, b);
        }
    }

    /**
     * Activation rows b..b+3 against one widened weight row, block by block: four independent
     * accumulator chains (one row's chain is bound by the FMA latency, one block per 4 cycles)
     * and each weight vector loaded once for the four. Every row's operations are those of
     * {@link #oneRow}, in the same order: a block's 8 lane sums (integers below 2^24, so exact
     * in floats whatever the order) times the scales, then ggml's fold — written out, as in
     * the one-row loops above.
     */
    private static void fourRows(float[] wq, float[] wd, float[] xq, float[] xd, int cols, int b, int r, float[] out, int outStride) {
        int blocksPerRow = cols / QK;
        int x0 = b * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int d0 = b * blocksPerRow, d1 = d0 + blocksPerRow, d2 = d1 + blocksPerRow, d3 = d2 + blocksPerRow;
        FloatVector zero = FloatVector.zero(F8), acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int o = blk * QK;
            FloatVector w0 = FloatVector.fromArray(F8, wq, o), w1 = FloatVector.fromArray(F8, wq, o + 8);
            FloatVector w2 = FloatVector.fromArray(F8, wq, o + 16), w3 = FloatVector.fromArray(F8, wq, o + 24);
            float d = wd[blk];
            FloatVector s0 = w0.mul(FloatVector.fromArray(F8, xq, x0 + o)), s1 = w0.mul(FloatVector.fromArray(F8, xq, x1 + o));
            FloatVector s2 = w0.mul(FloatVector.fromArray(F8, xq, x2 + o)), s3 = w0.mul(FloatVector.fromArray(F8, xq, x3 + o));
            s0 = w1.fma(FloatVector.fromArray(F8, xq, x0 + o + 8), s0);
            s1 = w1.fma(FloatVector.fromArray(F8, xq, x1 + o + 8), s1);
            s2 = w1.fma(FloatVector.fromArray(F8, xq, x2 + o + 8), s2);
            s3 = w1.fma(FloatVector.fromArray(F8, xq, x3 + o + 8), s3);
            s0 = w2.fma(FloatVector.fromArray(F8, xq, x0 + o + 16), s0);
            s1 = w2.fma(FloatVector.fromArray(F8, xq, x1 + o + 16), s1);
            s2 = w2.fma(FloatVector.fromArray(F8, xq, x2 + o + 16), s2);
            s3 = w2.fma(FloatVector.fromArray(F8, xq, x3 + o + 16), s3);
            s0 = w3.fma(FloatVector.fromArray(F8, xq, x0 + o + 24), s0);
            s1 = w3.fma(FloatVector.fromArray(F8, xq, x1 + o + 24), s1);
            s2 = w3.fma(FloatVector.fromArray(F8, xq, x2 + o + 24), s2);
            s3 = w3.fma(FloatVector.fromArray(F8, xq, x3 + o + 24), s3);
            acc0 = FloatVector.broadcast(F8, d * xd[d0 + blk]).fma(s0, acc0);
            acc1 = FloatVector.broadcast(F8, d * xd[d1 + blk]).fma(s1, acc1);
            acc2 = FloatVector.broadcast(F8, d * xd[d2 + blk]).fma(s2, acc2);
            acc3 = FloatVector.broadcast(F8, d * xd[d3 + blk]).fma(s3, acc3);
        }
        FloatVector h0 = acc0.add(acc0.rearrange(LaneFolds.HALVES)), h1 = acc1.add(acc1.rearrange(LaneFolds.HALVES));
        FloatVector h2 = acc2.add(acc2.rearrange(LaneFolds.HALVES)), h3 = acc3.add(acc3.rearrange(LaneFolds.HALVES));
        FloatVector p0 = h0.add(h0.rearrange(LaneFolds.PAIRS)), p1 = h1.add(h1.rearrange(LaneFolds.PAIRS));
        FloatVector p2 = h2.add(h2.rearrange(LaneFolds.PAIRS)), p3 = h3.add(h3.rearrange(LaneFolds.PAIRS));
        out[b * outStride + r] = p0.lane(0) + p0.lane(1);
        out[(b + 1) * outStride + r] = p1.lane(0) + p1.lane(1);
        out[(b + 2) * outStride + r] = p2.lane(0) + p2.lane(1);
        out[(b + 3) * outStride + r] = p3.lane(0) + p3.lane(1);
    }

    /** One activation row against one widened weight row. */
    private static float oneRow(float[] wq, float[] wd, float[] xq, float[] xd, int cols, int b) {
        int blocksPerRow = cols / QK;
        int xo = b * cols, xb = b * blocksPerRow;
        FloatVector acc = FloatVector.zero(F8);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int o = blk * QK, xa = xo + o;
            FloatVector sum = FloatVector.fromArray(F8, wq, o).mul(FloatVector.fromArray(F8, xq, xa));
            sum = FloatVector.fromArray(F8, wq, o + 8).fma(FloatVector.fromArray(F8, xq, xa + 8), sum);
            sum = FloatVector.fromArray(F8, wq, o + 16).fma(FloatVector.fromArray(F8, xq, xa + 16), sum);
            sum = FloatVector.fromArray(F8, wq, o + 24).fma(FloatVector.fromArray(F8, xq, xa + 24), sum);
            acc = FloatVector.broadcast(F8, wd[blk] * xd[xb + blk]).fma(sum, acc);
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES));
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return p.lane(0) + p.lane(1);
    }

    /** ggml's hsum_float_8. */
    static float hsum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes of one {@link #F}-wide group: widened in one conversion. */
    private static final VectorSpecies<Byte> BF = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * F.length()));

    /** Each value {@code d * q}, a vector of bytes widened to floats at a time (FAST numerics' weight panels). */
    @Override
    public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
        long base = (long) r * (cols / QK) * BLOCK_BYTES;
        for (int blk = 0; blk < cols / QK; blk++) {
            long off = base + (long) blk * BLOCK_BYTES;
            float d = Layouts.f16(w, off);
            int o = dstOffset + blk * QK;
            if (F.length() <= QK) {
                for (int j = 0; j < QK; j += F.length()) {
                    ((FloatVector) ByteVector.fromMemorySegment(BF, w, off + 2 + j, Layouts.LE).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d).intoArray(dst, o + j);
                }
            } else {
                for (int j = 0; j < QK; j++) dst[o + j] = d * w.get(ValueLayout.JAVA_BYTE, off + 2 + j);
            }
        }
    }

    /** A block's 32 signed bytes and its fp16 scale: {@link #dequantizeRow}'s {@code d * q}. */
    @Override
    public Int8Panels.RowSource int8Codes(MemorySegment w, int cols) {
        long rowBytes = (long) (cols / QK) * BLOCK_BYTES;
        return new Int8Panels.RowSource() {
            @Override public int group() { return QK; }
            @Override public boolean hasMins() { return false; }

            @Override
            public void codes(int r, byte[] codes, float[] scales, float[] mins, byte[] groupScales, byte[] groupMins) {
                for (int blk = 0; blk < cols / QK; blk++) {
                    long off = r * rowBytes + (long) blk * BLOCK_BYTES;
                    scales[blk] = Layouts.f16(w, off);
                    MemorySegment.copy(w, ValueLayout.JAVA_BYTE, off + 2, codes, blk * QK, QK);
                }
            }
        };
    }

    @Override public WeightKernel reference() { return new Scalar(); }

    /** Scalar twin: integer lane sums, one FMA per lane and block, ggml's final fold. */
    static final class Scalar implements WeightKernel {
        @Override public GgmlType type() { return GgmlType.Q8_0; }
        @Override public Activations prepare(float[] x, int batch, int cols) { return quantize(x, batch, cols); }

        @Override
        public void multiply(MemorySegment w, int cols, Activations x, int r0, int r1, float[] out, int outStride) {
            int blocksPerRow = cols / QK;
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < x.batch(); b++) {
                    float[] acc = new float[8];
                    for (int blk = 0; blk < blocksPerRow; blk++) {
                        long off = ((long) r * blocksPerRow + blk) * BLOCK_BYTES;
                        float scale = Layouts.f16(w, off) * x.scales()[b * blocksPerRow + blk];
                        for (int l = 0; l < 8; l++) {
                            int lane = 0;
                            for (int j = 0; j < 4; j++) {
                                int i = 4 * l + j;
                                lane += w.get(ValueLayout.JAVA_BYTE, off + 2 + i) * x.q8().value(b, blk * QK + i);
                            }
                            acc[l] = Math.fma(scale, lane, acc[l]);
                        }
                    }
                    out[b * outStride + r] = hsum(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
                }
            }
        }

        @Override
        public void dequantizeRow(MemorySegment w, int cols, int r, float[] dst, int dstOffset) {
            new Q8_0Kernel().dequantizeRow(w, cols, r, dst, dstOffset);
        }

        @Override public WeightKernel reference() { return this; }
    }
}
