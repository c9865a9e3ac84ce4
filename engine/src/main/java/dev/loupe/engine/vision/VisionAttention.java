package dev.loupe.engine.vision;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.FlashAttention;
import dev.loupe.engine.kernels.HeadLayout;
import dev.loupe.engine.kernels.Layouts;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.PackedAttention;

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
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int i = 0; i < n * heads * headDim; i++) {
            k[i] = Layouts.roundF16(k[i]);
            v[i] = Layouts.roundF16(v[i]);
        }
        if (numerics == Numerics.FAST) {
            PackedAttention.multiHead(pool, q, n, HeadLayout.grouped(heads, heads, headDim), k, v, n, false, scale, out);
        } else {
            FlashAttention.multiHead(pool, q, n, HeadLayout.grouped(heads, heads, headDim), k, v, n, false, scale, out);
        }
    }
}
