package dev.loupe.engine.llm;

/**
 * Rotary position embedding as ggml computes it: the angle of pair i is
 * {@code pos * base^(-2i/dims)}, built by repeated multiplication in float (not by pow per
 * pair), because that is where ggml's rounding comes from. Angles use Java's cos/sin; glibc's
 * cosf/sinf differ from them by one ulp for a few angles, which is the last known source of
 * difference from llama.cpp in the text decoder (one oracle case of nine is off, by 4e-4 of the
 * logits' magnitude; the others are bit-identical).
 */
public final class Rope {
    private final int dims;
    private final float thetaScale;

    public Rope(int dims, float base) {
        this.dims = dims;
        this.thetaScale = (float) Math.pow(base, -2.0f / dims);
    }

    /** cos and sin of every pair's angle at {@code pos}: {@code cs[2i] = cos, cs[2i+1] = sin}. */
    public void angles(float pos, float[] cs) {
        float theta = pos;
        for (int i = 0; i < dims / 2; i++) {
            cs[2 * i] = (float) Math.cos(theta);
            cs[2 * i + 1] = (float) Math.sin(theta);
            theta *= thetaScale;
        }
    }

    /** NORM mode (llama): rotates adjacent pairs (2i, 2i+1) of one head in place. */
    public void rotateAdjacentPairs(float[] x, int off, float[] cs) {
        for (int i = 0; i < dims / 2; i++) {
            float c = cs[2 * i], s = cs[2 * i + 1];
            float x0 = x[off + 2 * i], x1 = x[off + 2 * i + 1];
            // As GCC contracts ggml's rope (FMA build): x0*c - x1*s and x0*s + x1*c, one fused step each.
            x[off + 2 * i] = Math.fma(x0, c, -(x1 * s));
            x[off + 2 * i + 1] = Math.fma(x0, s, x1 * c);
        }
    }

    public int dims() {
        return dims;
    }
}
