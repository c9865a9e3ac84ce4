package dev.loupe.engine.kernels;

/**
 * The work arrays of one thread's products, grown on demand and kept for its next ones: a
 * decode step runs a couple of hundred products per thread, each over a few rows, and fresh
 * row buffers per call (or per row) were most of what the decode path allocated.
 *
 * <p>Each array has one role, so a product that hands a row buffer to a dequantization that
 * copies blocks into its own byte buffer cannot clobber it. Contents are undefined between
 * calls; only the lengths asked for are meaningful (arrays may be longer).
 */
final class Scratch {
    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    private float[] weights = new float[0];
    private byte[] blocks = new byte[0];
    private byte[] codes = new byte[0];
    private float[] scales = new float[0];
    private float[] minimums = new float[0];
    /** Small per-block integers: sub-block scales, minimums, vector lanes passed between methods. */
    final int[] sc = new int[16], mn = new int[16], lanes = new int[16];

    private Scratch() {}

    /** This thread's arrays. */
    static Scratch mine() {
        return OF_THREAD.get();
    }

    /** Weights widened to floats: a row, or a block of rows (products that widen then multiply). */
    float[] weights(int n) {
        if (weights.length < n) weights = new float[n];
        return weights;
    }

    /** A byte copy of a row's blocks (the block kernels decode from it). */
    byte[] blocks(int n) {
        if (blocks.length < n) blocks = new byte[n];
        return blocks;
    }

    /** Decoded integer codes, one byte per value. */
    byte[] codes(int n) {
        if (codes.length < n) codes = new byte[n];
        return codes;
    }

    /** One float per block: a row's block scales. */
    float[] scales(int n) {
        if (scales.length < n) scales = new float[n];
        return scales;
    }

    /** One float per block: a row's block minimums. */
    float[] minimums(int n) {
        if (minimums.length < n) minimums = new float[n];
        return minimums;
    }
}
