package dev.loupe.jmh;

import dev.loupe.engine.bench.RandomWeights;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * One random weight matrix and activation rows for a benchmark: the matrix lives off-heap like
 * a mapped GGUF tensor, and the product runs on a pool of the asked thread count (the engine's
 * own pool, whose per-call overhead is part of what a decode step pays).
 */
final class WeightProduct implements AutoCloseable {
    final WeightMatrix matrix;
    final float[] x;
    final float[] out;
    final ComputePool pool;
    private final Arena arena = Arena.ofShared();

    /** @param shape "ROWSxCOLS", e.g. 1536x576: rows are outputs, cols the dot-product length */
    WeightProduct(GgmlType type, String shape, int batch, int threads) {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]), cols = Integer.parseInt(dims[1]);
        SplittableRandom rnd = new SplittableRandom(42);
        matrix = new WeightMatrix("bench", type, rows, cols, RandomWeights.of(arena, type, rows, cols, rnd));
        x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        out = new float[batch * rows];
        pool = new ComputePool(threads);
    }

    long weightBytes() {
        return matrix.data().byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }
}
