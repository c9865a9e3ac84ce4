package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.B32;
import static dev.loupe.engine.kernels.IntLanes.F8;
import static dev.loupe.engine.kernels.IntLanes.I8;
import static dev.loupe.engine.kernels.IntLanes.S16;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One Q6_K weight row times one Q8_K activation row, the super-blocks read straight from the
 * mapped weights: the decode step's product, with the lanes and float steps of ggml's
 * {@code ggml_vec_dot_q6_K_q8_K} (AVX2). Lane {@code l} of 8 holds, per super-block, the exact
 * integer sum over its eight 32-value chunks of {@code scale * (products 4l..4l+3)} of the
 * unsigned 6-bit codes, minus {@code 32 (sc[2l] bsum[2l] + sc[2l+1] bsum[2l+1])} (ggml takes
 * the offset of 32 out per 16-value sum, so the lanes must too); then one
 * {@code fma(d_x d_w, lane, acc)} per lane and super-block, and ggml's final fold.
 *
 * <p>The codes are assembled in 16-bit lanes from the raw bytes (a nibble of {@code ql} and two
 * bits of {@code qh} per byte, both bytes of a short at once), split into even- and
 * odd-indexed codes and multiplied with the activations' even/odd shorts ({@link Q8Rows#pairs}):
 * a pair sum is at most 2 x 63 x 127, so it fits. See {@link Q4_KRowDot} for why this path
 * exists. Every vector is 256 bits wide or less: ggml's own width, native on AVX2 and AVX-512.
 *
 * <p>A super-block's lanes are formed by a method of their own ({@link #blockLanes}) and handed
 * over in an int array: the row loop with all of it inlined exceeded C2's node budget
 * (NodeCountInliningCutoff), which left the lane conversion and the final fold as calls taking
 * vectors, boxed on the heap at every super-block. Each method now compiles whole, and neither
 * passes a vector to a method of ours (the conversion and the final fold are written out).
 */
final class Q6_KRowDot implements SuperBlockKernel.RowDot {
    static final int BLOCK_BYTES = 210;
    private static final VectorMask<Integer> UPPER_FOUR = VectorMask.fromLong(I8, 0xf0);
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

    /**
     * One activation row only: from two on, unpacking the row once for all of them is faster
     * (9728x2560, one core: batch 2 54 vs 70 products/s, batch 4 30 vs 57).
     */
    @Override
    public int maxBatch() {
        return 1;
    }

    @Override
    public float dot(MemorySegment w, long rowBase, int blocks, Q8Rows x, int b, int[] lanes) {
        FloatVector acc = FloatVector.zero(F8);
        int xb = b * blocks;
        for (int blk = 0; blk < blocks; blk++) {
            long off = rowBase + (long) blk * BLOCK_BYTES;
            blockLanes(w, off, x, xb + blk, lanes);
            float d = x.d[xb + blk] * Layouts.f16(w, off + 208);
            acc = FloatVector.broadcast(F8, d).fma((FloatVector) IntVector.fromArray(I8, lanes, 0).convert(VectorOperators.I2F, 0), acc);
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES)); // LaneFolds.evenOdd, written out
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return p.lane(0) + p.lane(1);
    }

    /** The 8 integer lanes of the super-block at {@code off} times activation block {@code xblk}, to {@code out[0..8)}. */
    private static void blockLanes(MemorySegment w, long off, Q8Rows x, int xblk, int[] out) {
        short[] xp = x.pairs;
        int xo = xblk * SuperBlockKernel.QK;
        // Per lane, the scaled products of the unsigned codes over the eight chunks. Chunk
        // c = 4h + k, a code per byte: the low nibbles of ql bytes 64h + 32(k & 1).. (k < 2)
        // or their high nibbles (k >= 2), with bits 2k, 2k+1 of qh bytes 128 + 32h.. as bits
        // 4-5: both bytes of a short at once. Lanes 0-3 hold the chunk's values 0-15
        // (scale 2c), lanes 4-7 values 16-31 (scale 2c+1).
        IntVector lanes = IntVector.zero(I8);
        for (int h = 0; h < 2; h++) {
            ShortVector ql0 = ByteVector.fromMemorySegment(B32, w, off + 64L * h, Layouts.LE).reinterpretAsShorts();
            ShortVector ql1 = ByteVector.fromMemorySegment(B32, w, off + 64L * h + 32, Layouts.LE).reinterpretAsShorts();
            ShortVector qh = ByteVector.fromMemorySegment(B32, w, off + 128 + 32L * h, Layouts.LE).reinterpretAsShorts();
            for (int k = 0; k < 4; k++) {
                ShortVector ql = (k & 1) == 0 ? ql0 : ql1;
                ShortVector low = k < 2 ? ql.and((short) 0x0f0f) : ql.lanewise(VectorOperators.LSHR, 4).and((short) 0x0f0f);
                ShortVector high = switch (k) {
                    case 0 -> qh.lanewise(VectorOperators.LSHL, 4);
                    case 1 -> qh.lanewise(VectorOperators.LSHL, 2);
                    case 2 -> qh;
                    default -> qh.lanewise(VectorOperators.LSHR, 2);
                };
                ShortVector codes = low.or(high.and((short) 0x3030));
                ShortVector even = codes.and((short) 0xff), odd = codes.lanewise(VectorOperators.LSHR, 8);
                int c = 4 * h + k, o = xo + 32 * c;
                ShortVector pairs = even.mul(ShortVector.fromArray(S16, xp, o)).add(odd.mul(ShortVector.fromArray(S16, xp, o + 16)));
                IntVector scale = IntVector.broadcast(I8, w.get(ValueLayout.JAVA_BYTE, off + 192 + 2 * c))
                        .blend(w.get(ValueLayout.JAVA_BYTE, off + 193 + 2 * c), UPPER_FOUR);
                IntVector t = pairs.reinterpretAsInts(); // the three-operation pair totals (IntLanes): no vector crosses a call
                lanes = lanes.add(t.add(t.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scale));
            }
        }
        // The offset: lane l loses 32 (sc[2l] bsum[2l] + sc[2l+1] bsum[2l+1]). The 16 signed
        // scale bytes load as 8 shorts; the low bytes are the even scales, the high bytes the
        // odd ones, each widened to 8 ints and multiplied with the matching half of the
        // activations' deinterleaved sums ({@link Q8Rows#bsumPairs}).
        ShortVector scales = ByteVector.fromMemorySegment(B16, w, off + 192, Layouts.LE).reinterpretAsShorts();
        IntVector even = (IntVector) scales.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).convertShape(VectorOperators.S2I, I8, 0);
        IntVector odd = (IntVector) scales.lanewise(VectorOperators.ASHR, 8).convertShape(VectorOperators.S2I, I8, 0);
        int bo = xblk * 16;
        IntVector offset = even.mul(IntVector.fromArray(I8, x.bsumPairs, bo)).add(odd.mul(IntVector.fromArray(I8, x.bsumPairs, bo + 8)));
        lanes.sub(offset.lanewise(VectorOperators.LSHL, 5)).intoArray(out, 0);
    }
}
