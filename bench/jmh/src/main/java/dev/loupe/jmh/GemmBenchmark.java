package dev.loupe.jmh;

import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.tensor.GgmlType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A batch of activation rows times a weight matrix: batched decode (8 rows), prefill (64 and
 * 512 rows), in both numerics — EXACT, ggml's own products bit for bit, and FAST, weight
 * panels widened to F32 once and run through the register-blocked {@code PackedGemm} for
 * every row (used from 16 rows on). Reported as products per second and, in the {@code flops}
 * counter, floating-point operations per second (2 x rows x cols x batch per product), the
 * figure to set beside the FMA peak (~100 GFLOP/s per core on the project's AVX-512 machine).
 *
 * <p>{@code -p type=F16 -p shape=3072x768 -p batch=1024 -p numerics=FAST} is one SigLIP
 * feed-forward product of a SmolVLM image tile, the vision encoder's dominant cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"F16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public GgmlType type;

    @Param({"1024x1024"})
    public String shape;

    @Param({"8", "64", "512"})
    public int batch;

    @Param({"EXACT", "FAST"})
    public Numerics numerics;

    @Param("1")
    public int threads;

    /** Whether the weights are repacked at load first (types that have a repacked form: Q8_0), as models do. */
    @Param({"true", "false"})
    public boolean repack;

    private WeightProduct product;

    /** Floating-point operations, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
        }
    }

    @Setup
    public void setUp() {
        product = new WeightProduct(type, shape, batch, threads);
        if (repack) product.matrix.repack(product.pool);
    }

    @TearDown
    public void tearDown() {
        product.close();
    }

    @Benchmark
    public float[] gemm(Work work) {
        product.matrix.multiply(product.x, batch, product.out, product.pool, numerics);
        work.flops += 2L * product.matrix.rows() * product.matrix.cols() * batch;
        return product.out;
    }
}
