package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head attention of many query rows in F32 as matrix products ({@link Numerics#FAST}):
 * per head and block of query rows, scores {@code S = Q Kᵀ} with {@link PackedGemm}, a
 * softmax per row, then {@code O = P V} with {@link PackedGemm} again. Keys and values are
 * packed once per key/value head and shared by every block. What a vision encoder (a
 * thousand patches attending to each other) and a long prefill spend their attention time on.
 *
 * <p>Unlike {@link FlashAttention} (ggml's kernels, fp16 query and accumulator), nothing is
 * rounded below f32, and a block's whole score rows are materialised: a block of 64 rows over
 * 4096 cells is 1 MB per thread.
 */
public final class PackedAttention {
    /** Query rows per task: one block's scores stay in L2 for the value product. */
    static final int QUERY_BLOCK = 64;
    /** {@link GgmlExp#vexpInPlace}'s eight lanes. */
    private static final VectorSpecies<Float> EXP_LANES = FloatVector.SPECIES_256;

    private PackedAttention() {}

    /**
     * Attention of {@code rows} query rows over key and value rows laid out as {@code layout}
     * says. Row t sees cells [0, visible + t) when causal, [0, visible) otherwise.
     */
    public static void multiHead(ComputePool pool, float[] q, int rows, HeadLayout layout,
                                 float[] keys, float[] values, int visible, boolean causal, float scale, float[] out) {
        final int heads = layout.heads(), kvHeads = layout.kvHeads(), group = heads / kvHeads;
        final int dk = layout.keyWidth(), dv = layout.valueWidth(), qStride = layout.queryStride(), outStride = layout.outputStride();
        final int cells = causal ? visible + rows - 1 : visible;
        final int keyPanels = panels(cells), valuePanels = panels(dv);
        final int keyPanelSize = PackedGemm.panelSize(dk), valuePanelSize = PackedGemm.panelSize(cells);
        float[][] packedKeys = new float[kvHeads][];
        float[][] packedValues = new float[kvHeads][];
        pool.parallelFor(kvHeads, 1, (h0, h1) -> {
            for (int h = h0; h < h1; h++) {
                float[] k = packedKeys[h] = new float[keyPanels * keyPanelSize];
                float[] v = packedValues[h] = new float[valuePanels * valuePanelSize];
                for (int p = 0; p < keyPanels; p++) {
                    int c0 = p * PackedGemm.PANEL;
                    PackedGemm.packRows(keys, c0 * layout.keyStride() + h * dk, layout.keyStride(), Math.min(PackedGemm.PANEL, cells - c0),
                            dk, k, p * keyPanelSize);
                }
                for (int p = 0; p < valuePanels; p++) {
                    int j0 = p * PackedGemm.PANEL;
                    PackedGemm.packColumns(values, h * dv + j0, layout.valueStride(), Math.min(PackedGemm.PANEL, dv - j0), cells, v,
                            p * valuePanelSize);
                }
            }
        });

        int blocks = (rows + QUERY_BLOCK - 1) / QUERY_BLOCK;
        pool.parallelFor(heads * blocks, 1, (from, to) -> {
            float[] scores = new float[QUERY_BLOCK * cells];
            float[] inverseSums = new float[QUERY_BLOCK];
            for (int task = from; task < to; task++) {
                int head = task / blocks, t0 = (task % blocks) * QUERY_BLOCK, kvHead = head / group;
                int n = Math.min(QUERY_BLOCK, rows - t0);
                int blockCells = causal ? visible + t0 + n - 1 : visible;
                int qOff = t0 * qStride + head * dk, outOff = t0 * outStride + head * dv;
                for (int p = 0; p * PackedGemm.PANEL < blockCells; p++) {
                    int c0 = p * PackedGemm.PANEL;
                    PackedGemm.multiply(q, qOff, qStride, n, packedKeys[kvHead], p * keyPanelSize, dk,
                            Math.min(PackedGemm.PANEL, blockCells - c0), scores, c0, cells);
                }
                for (int i = 0; i < n; i++) {
                    int limit = causal ? visible + t0 + i : visible, o = i * cells;
                    float sum = softmax(scores, o, limit, scale);
                    java.util.Arrays.fill(scores, o + limit, o + blockCells, 0f);
                    inverseSums[i] = sum == 0 ? 0f : 1f / sum;
                }
                for (int p = 0; p < valuePanels; p++) {
                    int j0 = p * PackedGemm.PANEL;
                    PackedGemm.multiply(scores, 0, cells, n, packedValues[kvHead], p * valuePanelSize, blockCells,
                            Math.min(PackedGemm.PANEL, dv - j0), out, outOff + j0, outStride);
                }
                for (int i = 0; i < n; i++) VectorMath.scale(out, outOff + i * outStride, dv, inverseSums[i]);
            }
        });
    }

    /**
     * One row of scores in place: scaled, then {@code exp(s - max)} (ggml's vector exponential,
     * {@link GgmlExp#vexpInPlace}); returns their sum, summed in vector lanes and the lanes folded in a
     * fixed order ({@link LaneFolds#evenOdd}) — the same floats whatever the JIT tier, every row on its own.
     */
    static float softmax(float[] s, int off, int n, float scale) {
        int upper = EXP_LANES.loopBound(n), i = 0;
        FloatVector max = FloatVector.broadcast(EXP_LANES, Float.NEGATIVE_INFINITY);
        for (; i < upper; i += EXP_LANES.length()) {
            FloatVector v = FloatVector.fromArray(EXP_LANES, s, off + i).mul(scale);
            v.intoArray(s, off + i);
            max = max.max(v);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            s[off + i] *= scale;
            m = Math.max(m, s[off + i]);
        }
        FloatVector sums = FloatVector.zero(EXP_LANES);
        for (i = 0; i < upper; i += EXP_LANES.length()) FloatVector.fromArray(EXP_LANES, s, off + i).sub(m).intoArray(s, off + i);
        GgmlExp.vexpInPlace(s, off, upper);
        for (i = 0; i < upper; i += EXP_LANES.length()) sums = sums.add(FloatVector.fromArray(EXP_LANES, s, off + i));
        float sum = LaneFolds.evenOdd(sums);
        for (; i < n; i++) {
            float e = GgmlExp.vexp(s[off + i] - m);
            s[off + i] = e;
            sum += e;
        }
        return sum;
    }

    private static int panels(int columns) {
        return (columns + PackedGemm.PANEL - 1) / PackedGemm.PANEL;
    }
}
