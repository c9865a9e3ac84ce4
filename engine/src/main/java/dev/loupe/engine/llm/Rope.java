package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.GlibcTrig;
import java.util.Arrays;

/**
 * Rotary position embedding as ggml computes it: the angle of pair i is
 * {@code pos * base^(-2i/dims)}, built by repeated multiplication in float (not by pow per
 * pair), because that is where ggml's rounding comes from. Cosines and sines are glibc's
 * ({@link GlibcTrig}): Java's differ from them by one ulp for about 2% of angles.
 *
 * <p>Three of ggml's modes: NORM (llama: adjacent pairs), NEOX (pairs {@code (i, i + dims/2)})
 * and IMROPE (Qwen3-VL's interleaved multimodal RoPE: NEOX pairs whose angle takes the t, h, w
 * or e position by the pair's sector, spec §7.4).
 */
public final class Rope {
    public enum Mode { NORM, NEOX, IMROPE, VISION }

    private final Mode mode;
    private final int dims;
    private final float thetaScale;
    /** IMROPE: which of the four positions (0 t, 1 h, 2 w, 3 e) each pair's angle uses. */
    private final int[] sectorPosition;

    private Rope(Mode mode, int dims, float base, int[] sections) {
        this.mode = mode;
        this.dims = dims;
        // VISION rotates the whole head but ggml is given n_dims = head / 2 (the angle step's exponent).
        this.thetaScale = (float) Math.pow(base, -2.0f / (mode == Mode.VISION ? dims / 2 : dims));
        this.sectorPosition = mode == Mode.IMROPE ? imropeSectors(dims / 2, sections) : null;
    }

    public static Rope norm(int dims, float base) {
        return new Rope(Mode.NORM, dims, base, null);
    }

    public static Rope neox(int dims, float base) {
        return new Rope(Mode.NEOX, dims, base, null);
    }

    /**
     * Qwen3-VL's 2-D vision RoPE over a head of {@code headDim} values: pairs (i, i + headDim/2);
     * the first half of the pairs turn with the patch row, the second half with its column
     * (ggml's vision mode, sections of headDim/4, each restarting its angle).
     */
    public static Rope vision(int headDim, float base) {
        return new Rope(Mode.VISION, headDim, base, null);
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
            cs[2 * i] = GlibcTrig.cosf(theta);
            cs[2 * i + 1] = GlibcTrig.sinf(theta);
            theta *= thetaScale;
        }
    }

    /** IMROPE angles from four position components; each running angle is scaled at every pair, as ggml does. */
    public void multimodalAngles(float t, float h, float w, float e, float[] cs) {
        float[] theta = {t, h, w, e};
        for (int i = 0; i < dims / 2; i++) {
            float a = theta[sectorPosition[i]];
            cs[2 * i] = GlibcTrig.cosf(a);
            cs[2 * i + 1] = GlibcTrig.sinf(a);
            for (int c = 0; c < 4; c++) theta[c] *= thetaScale;
        }
    }

    /** VISION angles of a patch at ({@code row}, {@code col}): pair i &lt; dims/4 uses row * ts^i, the others col * ts^(i - dims/4). */
    public void visionAngles(float row, float col, float[] cs) {
        int quarter = dims / 4;
        float theta = row;
        for (int i = 0; i < dims / 2; i++) {
            if (i == quarter) theta = col;
            cs[2 * i] = GlibcTrig.cosf(theta);
            cs[2 * i + 1] = GlibcTrig.sinf(theta);
            theta *= thetaScale;
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
