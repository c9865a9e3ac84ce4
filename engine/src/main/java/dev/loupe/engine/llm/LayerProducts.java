package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.tensor.WeightMatrix;

/**
 * The matrix products of a decoder's layer stack, routed as the numerics want them: a batched
 * decode step's rows are decode rows whatever their number ({@link WeightMatrix#multiplyDecode}),
 * so that a sequence's floats do not depend on its batch; a prompt's rows take the prefill path
 * for their count.
 */
final class LayerProducts {
    private final ComputePool pool;
    private final Numerics numerics;

    LayerProducts(ComputePool pool, Numerics numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    ComputePool pool() {
        return pool;
    }

    Numerics numerics() {
        return numerics;
    }

    /** {@code out = m · in} for n rows. */
    void product(WeightMatrix m, float[] in, int n, float[] out, boolean decodeStep) {
        if (decodeStep) {
            m.multiplyDecode(in, n, out, pool, numerics);
        } else {
            m.multiply(in, n, out, pool, numerics);
        }
    }

    /**
     * {@link #product} of matrices sharing their input: one pool job for all of them where
     * they stripe (decode steps; a short prompt, a lone row where every type stripes one).
     */
    void products(WeightMatrix[] ms, float[] in, int n, float[][] outs, boolean decodeStep) {
        if (decodeStep || !numerics.packs(n) && (n > 1 || allStripeOneRow(ms))) {
            WeightMatrix.multiplyDecode(ms, in, n, outs, pool, numerics);
        } else {
            for (int i = 0; i < ms.length; i++) ms[i].multiply(in, n, outs[i], pool, numerics);
        }
    }

    /** {@link #product} of several matrices, each with its own input, as one pool job ({@link WeightMatrix#multiplyEach}). */
    void productsEach(WeightMatrix[] ms, float[][] inputs, int n, float[][] outs, boolean decodeStep) {
        WeightMatrix.multiplyEach(ms, inputs, n, outs, pool, numerics, decodeStep);
    }

    private static boolean allStripeOneRow(WeightMatrix[] ms) {
        for (WeightMatrix m : ms) if (!m.stripesOneRow()) return false;
        return true;
    }

    /**
     * Whether {@link #product} gives a row the same floats in any batch for all of {@code ms}:
     * always with fast numerics (striped decode steps); with exact ones only where ggml's
     * products do ({@link WeightMatrix#exactRowsBatchInvariant}).
     */
    boolean batchInvariant(Iterable<WeightMatrix> ms) {
        if (numerics == Numerics.FAST) return true;
        for (WeightMatrix m : ms) if (!m.exactRowsBatchInvariant()) return false;
        return true;
    }
}
