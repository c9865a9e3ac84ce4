package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.B32;
import static dev.loupe.engine.kernels.IntLanes.F8;
import static dev.loupe.engine.kernels.IntLanes.I8;
import static dev.loupe.engine.kernels.IntLanes.S16;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One Q5_K weight row times one Q8_K activation row, the super-blocks read straight from the
 * mapped weights: the decode step's product, with the lanes and float steps of ggml's
 * {@code ggml_vec_dot_q5_K_q8_K} (AVX2). Lane {@code l} of 8 holds, per super-block, the exact
 * integer sum over the eight 32-value chunks of {@code scale * (products 4l..4l+3)}, then one
 * {@code fma(d_x d_w, lane, acc)} per lane; the minimums' total goes, times
 * {@code -d_x dmin_w}, into one float by an FMA per super-block; the result is ggml's fold of
 * the lanes plus that float.
 *
 * <p>Bytes 32j.. of {@code qs} hold chunk 2j in their low nibbles and chunk 2j+1 in their high
 * ones; bit 2j (2j+1) of the {@code qh} byte at the same position is the fifth bit. Codes are
 * assembled two per short, as in {@link Q6_KRowDot}, and one method holds the whole row for
 * the same reason. Nothing here passes a vector to a method of ours (see BlockKernel's note on
 * laneDot): the conversion and the final fold are written out.
 */
final class Q5_KRowDot implements SuperBlockKernel.RowDot {
    static final int BLOCK_BYTES = 176;

    /**
     * Up to two activation rows (9728x2560, one core: batch 2 110 vs 86 products/s; batch 4
     * 49 vs 69, where unpacking the row once for all rows wins).
     */
    @Override
    public int maxBatch() {
        return 2;
    }

    @Override
    public float dot(MemorySegment w, long rowBase, int blocks, Q8Rows x, int b, int[] scratch) {
        short[] xp = x.pairs;
        FloatVector acc = FloatVector.zero(F8);
        float summs = 0f;
        int xb = b * blocks;
        for (int blk = 0; blk < blocks; blk++) {
            long off = rowBase + (long) blk * BLOCK_BYTES;
            int xo = (xb + blk) * SuperBlockKernel.QK;
            int u0 = w.get(Layouts.I32, off + 4), u1 = w.get(Layouts.I32, off + 8), u2 = w.get(Layouts.I32, off + 12);
            int sc03 = u0 & 0x3f3f3f3f, mn03 = u1 & 0x3f3f3f3f;
            int sc47 = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mn47 = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            ShortVector qh = ByteVector.fromMemorySegment(B32, w, off + 16, Layouts.LE).reinterpretAsShorts();
            IntVector lanes = IntVector.zero(I8);
            for (int j = 0; j < 4; j++) {
                ShortVector qs = ByteVector.fromMemorySegment(B32, w, off + 48 + 32L * j, Layouts.LE).reinterpretAsShorts();
                int scales = (j < 2 ? sc03 : sc47) >>> (16 * (j & 1));
                for (int half = 0; half < 2; half++) {
                    int c = 2 * j + half, o = xo + 32 * c;
                    ShortVector codes = qs.lanewise(VectorOperators.LSHR, 4 * half).and((short) 0x0f0f)
                            .or(qh.lanewise(VectorOperators.LSHR, c).and((short) 0x0101).lanewise(VectorOperators.LSHL, 4));
                    ShortVector even = codes.and((short) 0xff), odd = codes.lanewise(VectorOperators.LSHR, 8);
                    ShortVector pairs = even.mul(ShortVector.fromArray(S16, xp, o)).add(odd.mul(ShortVector.fromArray(S16, xp, o + 16)));
                    IntVector t = pairs.reinterpretAsInts(); // the three-operation pair totals (IntLanes): one method, no calls
                    lanes = lanes.add(t.add(t.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .mul((scales >>> 8 * half) & 0xff));
                }
            }
            float dx = x.d[xb + blk];
            summs = Math.fma(-dx * Layouts.f16(w, off + 2), (float) Q4_KRowDot.minTotal(mn03, mn47, x.chunkSums, (xb + blk) * 8), summs);
            acc = FloatVector.broadcast(F8, dx * Layouts.f16(w, off)).fma((FloatVector) lanes.convert(VectorOperators.I2F, 0), acc);
        }
        FloatVector h = acc.add(acc.rearrange(LaneFolds.HALVES)); // LaneFolds.evenOdd, written out
        FloatVector p = h.add(h.rearrange(LaneFolds.PAIRS));
        return (p.lane(0) + p.lane(1)) + summs;
    }
}
