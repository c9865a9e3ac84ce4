package dev.loupe.engine.tensor;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;

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
            int n = weight.rows();
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < n; i++) out[b * n + i] += bias[i];
            }
        }
    }
}
