package dev.loupe.engine.vision;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.FlashAttention;
import dev.loupe.engine.kernels.HeadLayout;
import dev.loupe.engine.kernels.Layouts;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.PackedAttention;
import dev.loupe.engine.kernels.VisibleCells;
import java.util.Arrays;

/**
 * The vision towers' full (bidirectional) multi-head attention over n patches, as clip.cpp runs
 * it: K and V cast to fp16 (its flash-attention path, llama.cpp's default on CPU), then EXACT
 * through ggml's flash-attention arithmetic or FAST as f32 matrix products.
 */
final class VisionAttention {
    private VisionAttention() {
    }

    /** q, k, v: n rows of heads x headDim; k and v are rounded to fp16 in place. */
    static void full(ComputePool pool, Numerics numerics, float[] q, float[] k, float[] v, float[] out, int n, int heads, int headDim) {
        float scale = scale(headDim);
        roundKeysAndValues(pool, k, v, n * heads * headDim);
        if (numerics == Numerics.FAST) {
            PackedAttention.multiHead(pool, q, n, HeadLayout.grouped(heads, heads, headDim), k, v, n, false, scale, out);
        } else {
            FlashAttention.multiHead(pool, q, n, HeadLayout.grouped(heads, heads, headDim), k, v, n, false, scale, out);
        }
    }

    /**
     * Window attention: row t attends to rows [first[t], end[t]) only (rows grouped by window,
     * so each window is one contiguous run). EXACT: ggml's flash-attention kernels with clip.cpp's
     * window mask (masked cells skipped one by one, or at -inf within the tiled kernel's
     * 64-cell tiles, which start at cell 0 whatever the window). FAST: each window as its own
     * full attention.
     */
    static void windowed(ComputePool pool, Numerics numerics, float[] q, float[] k, float[] v, float[] out, int n, int heads,
                         int headDim, int[] first, int[] end) {
        float scale = scale(headDim);
        int width = heads * headDim;
        roundKeysAndValues(pool, k, v, n * width);
        HeadLayout layout = HeadLayout.grouped(heads, heads, headDim);
        if (numerics != Numerics.FAST) {
            FlashAttention.multiHead(pool, q, n, layout, k, v, VisibleCells.ranges(first, end), scale, out);
            return;
        }
        for (int t = 0; t < n; t = end[t]) {
            int from = first[t] * width, to = end[t] * width, rows = end[t] - first[t];
            float[] windowOut = new float[to - from];
            PackedAttention.multiHead(pool, Arrays.copyOfRange(q, from, to), rows, layout, Arrays.copyOfRange(k, from, to),
                    Arrays.copyOfRange(v, from, to), rows, false, scale, windowOut);
            System.arraycopy(windowOut, 0, out, from, to - from);
        }
    }

    /** clip.cpp's {@code kq_scale}: {@code 1.0f / sqrtf(d_head)}. */
    private static float scale(int headDim) {
        return 1.0f / (float) Math.sqrt((float) headDim);
    }

    /** clip.cpp casts K and V to fp16 for flash attention (plain loops: C2 vectorizes the conversions). */
    private static void roundKeysAndValues(ComputePool pool, float[] k, float[] v, int count) {
        pool.parallelFor(count, 16 * 1024, (i0, i1) -> {
            for (int i = i0; i < i1; i++) k[i] = Layouts.roundF16(k[i]);
            for (int i = i0; i < i1; i++) v[i] = Layouts.roundF16(v[i]);
        });
    }
}
