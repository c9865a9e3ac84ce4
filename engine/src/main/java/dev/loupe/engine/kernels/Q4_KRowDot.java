package dev.loupe.engine.kernels;

import static dev.loupe.engine.kernels.IntLanes.B32;
import static dev.loupe.engine.kernels.IntLanes.I8;
import static dev.loupe.engine.kernels.IntLanes.S16;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * One Q4_K weight row times one Q8_K activation row, the super-blocks read straight from the
 * mapped weights: the decode step's product. It keeps the float steps of ggml's repacked
 * (8x8) GEMV, which only needs each super-block's exact integer totals, so the integers may be
 * summed in whatever order is cheapest:
 * {@code acc = fma(s1, d_w * d_x, acc)}, {@code accMin = fma(s2, dmin_w * d_x, accMin)},
 * result {@code acc - accMin}.
 *
 * <p>Why a separate path: the general K-quant kernel first unpacks a row into natural-order code
 * bytes and per-lane scale arrays, then multiplies those; for a single activation row that
 * unpacking costs more than the product (measured ~2x slower per core). Here the 32 bytes of
 * two 32-value chunks load as 16 shorts, masks and shifts give the even- and odd-indexed codes
 * of both chunks (four 16-bit operands), and they meet the activations' even/odd shorts
 * ({@link Q8Rows#pairs}) in 16-bit multiplies: a pair sum is at most 2 x 15 x 128, no overflow.
 *
 * <p>One method, calling no helper of ours that takes or returns a vector: a kernel whose
 * inlined body exceeds C2's inlining budget leaves such helpers out of line, and they box
 * their vectors (measured 2-3x slower).
 */
final class Q4_KRowDot implements SuperBlockKernel.RowDot {
    static final int BLOCK_BYTES = 144;

    /** GEMM steps instead of GEMV ones: for activation rows ggml's interleaved quantizer made. */
    private final boolean interleaved;

    private Q4_KRowDot(boolean interleaved) {
        this.interleaved = interleaved;
    }

    /** ggml's repacked GEMV steps: one FMA pair per super-block. */
    static Q4_KRowDot gemv() {
        return new Q4_KRowDot(false);
    }

    /**
     * ggml's repacked GEMM steps, for the activation rows it quantizes four at a time (a batch of
     * four or more): one FMA pair per two 32-value chunks, {@code s1} and {@code s2} of the pair.
     */
    static Q4_KRowDot gemm() {
        return new Q4_KRowDot(true);
    }

    /**
     * Any batch: with 2 activation rows as fast as unpacking the row once, from 4 on faster
     * (9728x2560, one core: batch 4 73 vs 44 products/s, batch 8 35 vs 23), as the general
     * path's repacked GEMM sums its chunk totals through memory.
     */
    @Override
    public int maxBatch() {
        return Integer.MAX_VALUE;
    }

    @Override
    public float dot(MemorySegment w, long rowBase, int blocks, Q8Rows x, int b, int[] scratch) {
        short[] xp = x.pairs;
        int[] chunkSums = x.chunkSums;
        float[] xd = x.d;
        int xo = b * blocks * SuperBlockKernel.QK, xb = b * blocks;
        float acc = 0f, accMin = 0f;
        for (int blk = 0; blk < blocks; blk++) {
            long off = rowBase + (long) blk * BLOCK_BYTES;
            // The 12 packed scale bytes a word at a time (ggml's kmask steps): bytes of sc03/sc47
            // are the 6-bit scales 0-3/4-7, of mn03/mn47 the minimums.
            int u0 = w.get(Layouts.I32, off + 4), u1 = w.get(Layouts.I32, off + 8), u2 = w.get(Layouts.I32, off + 12);
            int sc03 = u0 & 0x3f3f3f3f, mn03 = u1 & 0x3f3f3f3f;
            int sc47 = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mn47 = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            float dx = xd[xb + blk], scale = Layouts.f16(w, off) * dx, minScale = Layouts.f16(w, off + 2) * dx;
            int qs = xo + blk * SuperBlockKernel.QK, co = (xb + blk) * 8;
            // Group j (32 bytes) holds chunk 2j in its low nibbles and chunk 2j+1 in its high
            // ones; as shorts, lane k holds codes 2k (bits 0-3 and 4-7) and 2k+1 (bits 8-11 and
            // 12-15). Its scaled products land in 8 int lanes (their sum is the pair's s1):
            // the three-operation pair totals of IntLanes, written out as is everything here that passes a vector
            // (see BlockKernel's note on laneDot).
            IntVector codeLanes = IntVector.zero(I8);
            for (int j = 0; j < 4; j++) {
                int scales = (j < 2 ? sc03 : sc47) >>> (16 * (j & 1)), o = qs + 64 * j;
                ShortVector v = ByteVector.fromMemorySegment(B32, w, off + 16 + 32L * j, Layouts.LE).reinterpretAsShorts();
                ShortVector lowEven = v.and((short) 0xf), lowOdd = v.lanewise(VectorOperators.LSHR, 8).and((short) 0xf);
                ShortVector highEven = v.lanewise(VectorOperators.LSHR, 4).and((short) 0xf), highOdd = v.lanewise(VectorOperators.LSHR, 12);
                IntVector low = lowEven.mul(ShortVector.fromArray(S16, xp, o)).add(lowOdd.mul(ShortVector.fromArray(S16, xp, o + 16))).reinterpretAsInts();
                IntVector high = highEven.mul(ShortVector.fromArray(S16, xp, o + 32)).add(highOdd.mul(ShortVector.fromArray(S16, xp, o + 48))).reinterpretAsInts();
                IntVector group = low.add(low.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(scales & 0xff)
                        .add(high.add(high.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((scales >>> 8) & 0xff));
                if (interleaved) {
                    int mins = (j < 2 ? mn03 : mn47) >>> (16 * (j & 1));
                    int s2 = (mins & 0xff) * chunkSums[co + 2 * j] + ((mins >>> 8) & 0xff) * chunkSums[co + 2 * j + 1];
                    acc = Math.fma((float) group.reduceLanes(VectorOperators.ADD), scale, acc);
                    accMin = Math.fma((float) s2, minScale, accMin);
                } else {
                    codeLanes = codeLanes.add(group);
                }
            }
            if (!interleaved) {
                acc = Math.fma((float) codeLanes.reduceLanes(VectorOperators.ADD), scale, acc);
                accMin = Math.fma((float) minTotal(mn03, mn47, chunkSums, co), minScale, accMin);
            }
        }
        return acc - accMin;
    }

    /**
     * s2 = sum over the 8 chunks of minimum * (sum of the chunk's activations), from the
     * activations' 32-value sums at {@code sums[co..co+8)}: the 6-bit minimums are the bytes of
     * {@code mn03} and {@code mn47}, so each unpacks with one shift and mask.
     */
    static int minTotal(int mn03, int mn47, int[] sums, int co) {
        return (mn03 & 0xff) * sums[co] + ((mn03 >>> 8) & 0xff) * sums[co + 1]
                + ((mn03 >>> 16) & 0xff) * sums[co + 2] + (mn03 >>> 24) * sums[co + 3]
                + (mn47 & 0xff) * sums[co + 4] + ((mn47 >>> 8) & 0xff) * sums[co + 5]
                + ((mn47 >>> 16) & 0xff) * sums[co + 6] + (mn47 >>> 24) * sums[co + 7];
    }
}
