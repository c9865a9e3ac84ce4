package dev.loupe.engine.kernels;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/**
 * {@link KernelAllocationTest}'s measurement of the vector work around the products, run in a
 * JVM of its own: a decode step's attention over the cache for one head (fp16 accumulator:
 * {@link FlashAttention#attend}), SwiGLU in place, the tiled attention's softmax of a row of
 * scores ({@link GgmlExp#softmaxExp}, {@link PackedAttention#softmax}) and a row's log-sum-exp.
 * Prints the bytes per call and exits 1 when one allocates: each once called a helper that
 * took or returned a vector, and in some JVMs C2 compiled it apart from its caller and every
 * call boxed (a Qwen3-VL-4B bench's decode attention allocated 74 GB in two minutes).
 */
public final class VectorOpsAllocationProbe {
    /** A head's width (Qwen3-VL-4B's), cells in the cache, a feed-forward's width plus a scalar tail. */
    private static final int HEAD = 128, CELLS = 300, HIDDEN = 1024 + 8 + 3, ROW = 2 * GgmlExp.CHUNK + 24 + 5;

    private VectorOpsAllocationProbe() {}

    public static void main(String[] args) {
        SplittableRandom rnd = new SplittableRandom(17);
        float[] q = gaussian(rnd, HEAD), keys = halves(gaussian(rnd, CELLS * HEAD)), values = halves(gaussian(rnd, CELLS * HEAD));
        float[] out = new float[HEAD];
        FlashAttention.Scratch scratch = new FlashAttention.Scratch(HEAD);
        long attend = KernelAllocationProbe.bytesPerCall(() ->
                FlashAttention.attend(q, 0, keys, 0, HEAD, values, 0, HEAD, CELLS, HEAD, HEAD, 0.088f, out, 0, scratch));

        float[] gate = gaussian(rnd, HIDDEN), up = gaussian(rnd, HIDDEN), work = new float[HIDDEN];
        long swiglu = KernelAllocationProbe.bytesPerCall(() -> {
            System.arraycopy(gate, 0, work, 0, HIDDEN);
            GgmlExp.swiglu(work, 0, up, 0, work, 0, HIDDEN);
        });

        float[] scores = gaussian(rnd, ROW), row = new float[ROW];
        long softmaxExp = KernelAllocationProbe.bytesPerCall(() -> GgmlExp.softmaxExp(scores, 0, row, 0, ROW, 2f));
        long softmax = KernelAllocationProbe.bytesPerCall(() -> {
            System.arraycopy(scores, 0, row, 0, ROW);
            PackedAttention.softmax(row, 0, ROW, 0.5f);
        });
        long logSumExp = KernelAllocationProbe.bytesPerCall(() -> VectorMath.logSumExp(scores, 0, ROW));

        System.out.println("vector ops on " + FloatVector.SPECIES_PREFERRED + ", bytes per call: attention of a head over " + CELLS
                + " cells " + attend + ", swiglu " + swiglu + ", softmaxExp " + softmaxExp + ", packed softmax " + softmax
                + ", logSumExp " + logSumExp);
        long worst = Math.max(Math.max(attend, swiglu), Math.max(Math.max(softmaxExp, softmax), logSumExp));
        System.exit(worst < KernelAllocationProbe.MAX_BYTES_PER_CALL ? 0 : 1);
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    /** The cache holds fp16 values. */
    private static float[] halves(float[] v) {
        for (int i = 0; i < v.length; i++) v[i] = Layouts.roundF16(v[i]);
        return v;
    }
}
