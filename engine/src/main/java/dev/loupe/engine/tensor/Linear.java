package dev.loupe.engine.tensor;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.VectorMath;

/** A weight matrix with an optional bias: {@code y = W x + b} for a batch of rows. */
public record Linear(WeightMatrix weight, float[] bias) {

    public int inputs() {
        return weight.cols();
    }

    public int outputs() {
        return weight.rows();
    }

    public void apply(float[] x, int batch, float[] out, ComputePool pool, Numerics numerics) {
        weight.multiply(x, batch, out, pool, numerics);
        if (bias != null) {
            // Split over the pool for a prompt's or an image's rows (one thread left the other waiting).
            int n = weight.rows();
            pool.parallelFor(batch, Math.max(1, 16384 / n), (b0, b1) -> {
                for (int b = b0; b < b1; b++) VectorMath.addInPlace(out, b * n, bias, 0, n);
            });
        }
    }
}
