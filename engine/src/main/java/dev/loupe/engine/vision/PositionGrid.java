package dev.loupe.engine.vision;

/**
 * Resizes a square table of learned position embeddings ({@code side x side} positions of
 * {@code e} values, row-major) to a {@code gx x gy} patch grid as clip.cpp does for Qwen3-VL:
 * {@code ggml_interpolate} in bilinear mode with aligned corners (spec §6.2), per channel in
 * float32, with ggml's clamping. The four-term sum is evaluated as GCC contracts it in ggml's
 * FMA build (each further term fused into the running sum).
 */
final class PositionGrid {
    private PositionGrid() {
    }

    /** The resized table, row-major over the grid ({@code (y * gx + x) * e}); the table itself when the sizes match. */
    static float[] resize(float[] table, int e, int side, int gx, int gy) {
        if (gx == side && gy == side) return table;
        Axis xs = Axis.of(gx, side), ys = Axis.of(gy, side);
        float[] out = new float[gx * gy * e];
        for (int i1 = 0; i1 < gy; i1++) {
            int y0 = ys.low[i1], y1 = ys.high[i1];
            float dy = ys.fraction[i1];
            for (int i0 = 0; i0 < gx; i0++) {
                int x0 = xs.low[i0], x1 = xs.high[i0];
                float dx = xs.fraction[i0];
                int a = (y0 * side + x0) * e, b = (y0 * side + x1) * e, c = (y1 * side + x0) * e, d = (y1 * side + x1) * e;
                int o = (i1 * gx + i0) * e;
                for (int ch = 0; ch < e; ch++) {
                    float v = Math.fma(table[a + ch] * (1 - dx), 1 - dy, table[b + ch] * dx * (1 - dy));
                    v = Math.fma(table[c + ch] * (1 - dx), dy, v);
                    out[o + ch] = Math.fma(table[d + ch] * dx, dy, v);
                }
            }
        }
        return out;
    }

    /**
     * Per destination index of one axis: the two source indices it reads (clamped to the table)
     * and the weight of the second, with aligned corners ({@code (dst - 1) / (src - 1)} scale).
     */
    private record Axis(int[] low, int[] high, float[] fraction) {
        static Axis of(int dst, int src) {
            float scale = dst > 1 && src > 1 ? (float) (dst - 1) / (src - 1) : (float) dst / src;
            int[] low = new int[dst], high = new int[dst];
            float[] fraction = new float[dst];
            for (int i = 0; i < dst; i++) {
                float p = (float) i / scale;
                int p0 = (int) Math.floor(p);
                low[i] = Math.clamp(p0, 0, src - 1);
                high[i] = Math.clamp(p0 + 1, 0, src - 1);
                fraction[i] = Math.clamp(p - (float) low[i], 0f, 1f);
            }
            return new Axis(low, high, fraction);
        }
    }
}
