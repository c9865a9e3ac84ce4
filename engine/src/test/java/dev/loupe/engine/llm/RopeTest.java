package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.GlibcTrig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RopeTest {
    private static final int[] QWEN3VL_SECTIONS = {24, 20, 20, 0};

    @Test
    void imropeInterleavesTheSectionsAsGgmlDoes() {
        Rope rope = Rope.imrope(128, 5e6f, QWEN3VL_SECTIONS);
        float[] cs = new float[128];
        // Distinct t, h, w positions: pair i's angle is pos * scale^i with the pair's own position.
        rope.multimodalAngles(3, 5, 7, 0, cs);
        float scale = (float) Math.pow(5e6f, -2.0f / 128);
        int[] expectedPosition = new int[64];
        for (int i = 0; i < 64; i++) {
            // h at i%3==1 below 60, w at i%3==2 below 60, t at i%3==0 below 72, e (0) for pairs 61 and 62.
            expectedPosition[i] = i % 3 == 1 && i < 60 ? 5 : i % 3 == 2 && i < 60 ? 7 : i % 3 == 0 ? 3 : 0;
        }
        assertEquals(0, expectedPosition[61]);
        assertEquals(0, expectedPosition[62]);
        assertEquals(3, expectedPosition[63]);
        for (int i = 0; i < 64; i++) {
            float theta = expectedPosition[i];
            for (int k = 0; k < i; k++) theta *= scale;
            assertEquals(GlibcTrig.cosf(theta), cs[2 * i], "cos of pair " + i);
            assertEquals(GlibcTrig.sinf(theta), cs[2 * i + 1], "sin of pair " + i);
        }
    }

    /** Qwen3-VL's ViT: a 64-value head, 32 pairs (i, i + 32); pairs 0-15 turn with the row, 16-31 with the column. */
    @Test
    void visionAnglesRestartWithTheColumnHalfway() {
        Rope rope = Rope.vision(64, 10000f);
        float[] cs = new float[64];
        rope.visionAngles(3, 5, cs);
        float scale = (float) Math.pow(10000f, -2.0f / 32); // ggml is given n_dims = 32
        for (int i = 0; i < 32; i++) {
            float theta = i < 16 ? 3 : 5;
            for (int k = 0; k < i % 16; k++) theta *= scale;
            assertEquals(GlibcTrig.cosf(theta), cs[2 * i], "cos of pair " + i);
            assertEquals(GlibcTrig.sinf(theta), cs[2 * i + 1], "sin of pair " + i);
        }
        float[] x = new float[64];
        x[1] = 1;
        rope.rotate(x, 0, cs);
        // Value 1 pairs with value 33: (1, 0) turned by pair 1's angle, 3 * scale.
        assertEquals(GlibcTrig.cosf(3 * scale), x[1], 1e-7f);
        assertEquals(GlibcTrig.sinf(3 * scale), x[33], 1e-7f);
    }

    @Test
    void aTextTokenIsNeoxRotationExceptTheEPairs() {
        Rope imrope = Rope.imrope(128, 5e6f, QWEN3VL_SECTIONS);
        Rope neox = Rope.neox(128, 5e6f);
        float[] x = new float[128];
        for (int i = 0; i < 128; i++) x[i] = (i % 7) - 3.5f + i / 50f;
        float[] a = x.clone(), b = x.clone();
        float[] csI = new float[128], csN = new float[128];
        imrope.angles(11, csI);
        neox.angles(11, csN);
        imrope.rotate(a, 0, csI);
        neox.rotate(b, 0, csN);
        for (int i = 0; i < 64; i++) {
            boolean ePair = i == 61 || i == 62;
            // NEOX pairs value i with value i + 64.
            assertEquals(ePair ? x[i] : b[i], a[i], "value " + i);
            assertEquals(ePair ? x[i + 64] : b[i + 64], a[i + 64], "value " + (i + 64));
        }
    }

    @Test
    void normRotatesAdjacentPairs() {
        Rope rope = Rope.norm(4, 10000f);
        float[] cs = new float[4];
        rope.angles(1, cs);
        float[] x = {1, 0, 0, 1};
        rope.rotate(x, 0, cs);
        // Pair 0 turns by 1 rad; pair 1 by 1 * 10000^(-1/2) = 0.01 rad.
        assertArrayEquals(new float[] {(float) Math.cos(1), (float) Math.sin(1), -(float) Math.sin(0.01f), (float) Math.cos(0.01f)}, x, 1e-6f);
    }
}
