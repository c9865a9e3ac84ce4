package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.tensor.TensorReader;
import dev.loupe.engine.tensor.WeightMatrix;
import java.util.List;

/**
 * The idefics3 connector: pixel shuffle (each s x s block of patches becomes one token of
 * s*s*E features, sub-block row by row) followed by one linear projection without bias
 * ({@code mm.model.fc.weight}) to the text model's width.
 */
public final class Idefics3Projector {
    private final VisionConfig c;
    private final WeightMatrix fc;
    private final ComputePool pool;
    private final Numerics numerics;

    public Idefics3Projector(GgufFile f, VisionConfig c, ComputePool pool, Numerics numerics) {
        this.c = c;
        this.pool = pool;
        this.numerics = numerics;
        int s = c.scaleFactor();
        this.fc = new TensorReader(f).matrix("mm.model.fc.weight", c.nEmbd() * s * s, c.projectionDim());
        if (c.patchesPerSide() % s != 0) {
            throw new IllegalArgumentException(f.path() + ": " + c.patchesPerSide() + " patches per side is not a multiple of scale factor " + s);
        }
    }

    /** The projection's weights, for {@link dev.loupe.engine.tensor.RepackedWeights#forPrompts}. */
    public List<WeightMatrix> weights() {
        return List.of(fc);
    }

    /** Tokens per encoded image. */
    public int tokens() {
        int side = c.patchesPerSide() / c.scaleFactor();
        return side * side;
    }

    /** Projects {@code nPatches x nEmbd} features to {@code tokens() x projectionDim}. */
    public float[] project(float[] features) {
        final int e = c.nEmbd(), s = c.scaleFactor(), g = c.patchesPerSide(), side = g / s;
        final int width = e * s * s;
        float[] shuffled = new float[tokens() * width];
        for (int ty = 0; ty < side; ty++) {
            for (int tx = 0; tx < side; tx++) {
                int base = (ty * side + tx) * width;
                for (int dy = 0; dy < s; dy++) {
                    for (int dx = 0; dx < s; dx++) {
                        int patch = (ty * s + dy) * g + (tx * s + dx);
                        System.arraycopy(features, patch * e, shuffled, base + e * (dx + s * dy), e);
                    }
                }
            }
        }
        float[] out = new float[tokens() * c.projectionDim()];
        fc.multiply(shuffled, tokens(), out, pool, numerics);
        return out;
    }
}
