package dev.loupe.engine.llm;

import java.util.Arrays;

/**
 * Rotary position embedding as ggml computes it: the angle of pair i is
 * {@code pos * base^(-2i/dims)}, built by repeated multiplication in float (not by pow per
 * pair), because that is where ggml's rounding comes from. Angles use Java's cos/sin; glibc's
 * cosf/sinf differ from them by one ulp for a few angles, which is the last known source of
 * difference from llama.cpp in the text decoder (one oracle case of nine is off, by 4e-4 of the
 * logits' magnitude; the others are bit-identical).
 *
 * <p>Three of ggml's modes: NORM (llama: adjacent pairs), NEOX (pairs {@code (i, i + dims/2)})
 * and IMROPE (Qwen3-VL's interleaved multimodal RoPE: NEOX pairs whose angle takes the t, h, w
 * or e position by the pair's sector, spec §7.4).
 */
public final class Rope {
    public enum Mode { NORM, NEOX, IMROPE }

    private final Mode mode;
    private final int dims;
    private final float thetaScale;
    /** IMROPE: which of the four positions (0 t, 1 h, 2 w, 3 e) each pair's angle uses. */
    private final int[] sectorPosition;

    private Rope(Mode mode, int dims, float base, int[] sections) {
        this.mode = mode;
        this.dims = dims;
        this.thetaScale = (float) Math.pow(base, -2.0f / dims);
        this.sectorPosition = mode == Mode.IMROPE ? imropeSectors(dims / 2, sections) : null;
    }

    public static Rope norm(int dims, float base) {
        return new Rope(Mode.NORM, dims, base, null);
    }

    public static Rope neox(int dims, float base) {
        return new Rope(Mode.NEOX, dims, base, null);
    }

    /** Interleaved M-RoPE with {@code sections} = pairs per position component (t, h, w, e). */
    public static Rope imrope(int dims, float base, int[] sections) {
        if (sections.length != 4) throw new IllegalArgumentException("rope sections must be 4 values, got " + Arrays.toString(sections));
        return new Rope(Mode.IMROPE, dims, base, sections);
    }

    /**
     * ggml_mrope_cache_init's interleaving: pair i (its sector, as the sections cover all pairs)
     * takes h when i%3 == 1 within 3*s_h, w when i%3 == 2 within 3*s_w, t when i%3 == 0 within
     * 3*s_t, and e otherwise. With Qwen3-VL's [24, 20, 20, 0], pairs 61 and 62 take e.
     */
    private static int[] imropeSectors(int pairs, int[] s) {
        int sectionPairs = s[0] + s[1] + s[2] + s[3];
        int[] out = new int[pairs];
        for (int i = 0; i < pairs; i++) {
            int sector = sectionPairs > 0 ? i % sectionPairs : i;
            if (sector % 3 == 1 && sector < 3 * s[1]) out[i] = 1;
            else if (sector % 3 == 2 && sector < 3 * s[2]) out[i] = 2;
            else if (sector % 3 == 0 && sector < 3 * s[0]) out[i] = 0;
            else out[i] = 3;
        }
        return out;
    }

    /**
     * cos and sin of every pair's angle for a text token at {@code pos}: {@code cs[2i] = cos,
     * cs[2i+1] = sin}. For IMROPE a text token's t, h and w positions are all {@code pos} and its
     * e position is 0 (llama.cpp's batch layout), so the e pairs are not rotated.
     */
    public void angles(float pos, float[] cs) {
        if (mode == Mode.IMROPE) {
            multimodalAngles(pos, pos, pos, 0, cs);
            return;
        }
        float theta = pos;
        for (int i = 0; i < dims / 2; i++) {
            cs[2 * i] = (float) Math.cos(theta);
            cs[2 * i + 1] = (float) Math.sin(theta);
            theta *= thetaScale;
        }
    }

    /** IMROPE angles from four position components; each running angle is scaled at every pair, as ggml does. */
    public void multimodalAngles(float t, float h, float w, float e, float[] cs) {
        float[] theta = {t, h, w, e};
        for (int i = 0; i < dims / 2; i++) {
            float a = theta[sectorPosition[i]];
            cs[2 * i] = (float) Math.cos(a);
            cs[2 * i + 1] = (float) Math.sin(a);
            for (int c = 0; c < 4; c++) theta[c] *= thetaScale;
        }
    }

    /** Rotates one head in place by the angles of {@link #angles}. */
    public void rotate(float[] x, int off, float[] cs) {
        // NORM pairs neighbours; NEOX and IMROPE pair each value with the one half a rotation away.
        int stride = mode == Mode.NORM ? 1 : dims / 2;
        int step = mode == Mode.NORM ? 2 : 1;
        for (int i = 0; i < dims / 2; i++) {
            float c = cs[2 * i], s = cs[2 * i + 1];
            int i0 = off + step * i, i1 = i0 + stride;
            float x0 = x[i0], x1 = x[i1];
            // As GCC contracts ggml's rope (FMA build): x0*c - x1*s and x0*s + x1*c, one fused step each.
            x[i0] = Math.fma(x0, c, -(x1 * s));
            x[i1] = Math.fma(x0, s, x1 * c);
        }
    }

    public Mode mode() {
        return mode;
    }

    public int dims() {
        return dims;
    }
}
