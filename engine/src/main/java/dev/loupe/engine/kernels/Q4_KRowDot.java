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
 * <p>Kept small on purpose: a kernel whose inlined body exceeds C2's inlining budget loses the
 * Vector API intrinsics and boxes its vectors (measured 2-3x slower).
 */
final class Q4_KRowDot implements SuperBlockKernel.RowDot {
    static final int BLOCK_BYTES = 144;

    @Override
    public float dot(MemorySegment w, long rowBase, int blocks, Q8Rows x, int b) {
        short[] xp = x.pairs;
        int[] bsums = x.bsums;
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
            int s1 = codeTotal(w, off + 16, xp, xo + blk * SuperBlockKernel.QK, sc03, sc47);
            int s2 = minTotal(mn03, mn47, bsums, (xb + blk) * 16);
            float dx = xd[xb + blk];
            acc = Math.fma((float) s1, Layouts.f16(w, off) * dx, acc);
            accMin = Math.fma((float) s2, Layouts.f16(w, off + 2) * dx, accMin);
        }
        return acc - accMin;
    }

    /**
     * s1 = sum over the 8 chunks of scale * (codes . activations). Bytes 32j..32j+31 hold chunk
     * 2j in their low nibbles and chunk 2j+1 in their high ones; as shorts, lane k holds codes
     * 2k (bits 0-3 and 4-7) and 2k+1 (bits 8-11 and 12-15).
     */
    private static int codeTotal(MemorySegment w, long qs, short[] xp, int xo, int sc03, int sc47) {
        IntVector acc = IntVector.zero(I8);
        for (int j = 0; j < 4; j++) {
            ShortVector v = ByteVector.fromMemorySegment(B32, w, qs + 32L * j, Layouts.LE).reinterpretAsShorts();
            int scales = (j < 2 ? sc03 : sc47) >>> (16 * (j & 1));
            int o = xo + 64 * j;
            ShortVector lowEven = v.and((short) 0xf), lowOdd = v.lanewise(VectorOperators.LSHR, 8).and((short) 0xf);
            ShortVector highEven = v.lanewise(VectorOperators.LSHR, 4).and((short) 0xf), highOdd = v.lanewise(VectorOperators.LSHR, 12);
            ShortVector low = lowEven.mul(ShortVector.fromArray(S16, xp, o)).add(lowOdd.mul(ShortVector.fromArray(S16, xp, o + 16)));
            ShortVector high = highEven.mul(ShortVector.fromArray(S16, xp, o + 32)).add(highOdd.mul(ShortVector.fromArray(S16, xp, o + 48)));
            acc = acc.add(IntLanes.pairTotals(low).mul(scales & 0xff)).add(IntLanes.pairTotals(high).mul((scales >>> 8) & 0xff));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** s2 = sum over the 8 chunks of minimum * (sum of the chunk's activations), from the 16-value sums. */
    static int minTotal(int mn03, int mn47, int[] bsums, int bo) {
        int s = 0;
        for (int k = 0; k < 4; k++) {
            s += ((mn03 >>> 8 * k) & 0xff) * (bsums[bo + 2 * k] + bsums[bo + 2 * k + 1]);
            s += ((mn47 >>> 8 * k) & 0xff) * (bsums[bo + 8 + 2 * k] + bsums[bo + 8 + 2 * k + 1]);
        }
        return s;
    }
}
