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
        float sx = gx > 1 && side > 1 ? (float) (gx - 1) / (side - 1) : (float) gx / side;
        float sy = gy > 1 && side > 1 ? (float) (gy - 1) / (side - 1) : (float) gy / side;
        float[] out = new float[gx * gy * e];
        for (int i1 = 0; i1 < gy; i1++) {
            float y = (float) i1 / sy;
            int y0 = (int) Math.floor(y), y1 = y0 + 1;
            y0 = Math.clamp(y0, 0, side - 1);
            y1 = Math.clamp(y1, 0, side - 1);
            float dy = Math.clamp(y - (float) y0, 0f, 1f);
            for (int i0 = 0; i0 < gx; i0++) {
                float x = (float) i0 / sx;
                int x0 = (int) Math.floor(x), x1 = x0 + 1;
                x0 = Math.clamp(x0, 0, side - 1);
                x1 = Math.clamp(x1, 0, side - 1);
                float dx = Math.clamp(x - (float) x0, 0f, 1f);
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
}
