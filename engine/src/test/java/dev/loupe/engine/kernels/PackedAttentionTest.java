package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FAST attention against attention computed in double from its definition. */
class PackedAttentionTest {

    @ParameterizedTest(name = "rows {0}, visible {1}, heads {2}/{3}, d {4}, causal {5}")
    @CsvSource({"70, 70, 2, 2, 64, false", "130, 130, 3, 1, 72, false", "65, 1, 4, 2, 64, true", "40, 25, 2, 1, 128, true",
            "1, 9, 1, 1, 16, true"})
    void matchesTheDefinition(int rows, int visible, int heads, int kvHeads, int d, boolean causal) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + d);
        int cells = causal ? visible + rows - 1 : visible;
        float[] q = gaussian(rnd, rows * heads * d, 1f);
        float[] k = gaussian(rnd, cells * kvHeads * d, 1f);
        float[] v = gaussian(rnd, cells * kvHeads * d, 1f);
        float scale = (float) (1 / Math.sqrt(d));
        float[] out = new float[rows * heads * d];
        PackedAttention.multiHead(new ComputePool(2), q, rows, HeadLayout.grouped(heads, kvHeads, d), k, v, visible, causal, scale, out);
        int group = heads / kvHeads;
        for (int t = 0; t < rows; t++) {
            int limit = causal ? visible + t : visible;
            for (int h = 0; h < heads; h++) {
                int kh = h / group;
                double[] s = new double[limit];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int c = 0; c < limit; c++) {
                    for (int i = 0; i < d; i++) s[c] += (double) q[(t * heads + h) * d + i] * k[(c * kvHeads + kh) * d + i];
                    s[c] *= scale;
                    max = Math.max(max, s[c]);
                }
                for (int c = 0; c < limit; c++) sum += s[c] = Math.exp(s[c] - max);
                for (int i = 0; i < d; i++) {
                    double o = 0;
                    for (int c = 0; c < limit; c++) o += s[c] / sum * v[(c * kvHeads + kh) * d + i];
                    assertEquals(o, out[(t * heads + h) * d + i], 2e-5, "row " + t + " head " + h + " dim " + i);
                }
            }
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n, float sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * sigma;
        return x;
    }
}
