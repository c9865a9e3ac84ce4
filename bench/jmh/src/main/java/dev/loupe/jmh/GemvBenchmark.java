package dev.loupe.jmh;

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
 * One activation row times a weight matrix, per weight type: the product of a decode step,
 * bound by how fast the quantized blocks stream in. Reported as products per second and, in
 * the {@code weightBytes} counter, bytes of weights per second, the figure to set beside the
 * machine's memory bandwidth (llama.cpp's own decode reads ~13.5 GB/s per core on the
 * project's 2-core AVX-512 machine). Always ggml's exact arithmetic, as decode is.
 *
 * <p>Shapes are "ROWSxCOLS" with COLS a multiple of 256 (the K-quants' block): 1024x1024 stays
 * in the caches (0.5-4 MB), so it measures the kernel; 9728x2560, Qwen3-VL-4B's feed-forward up
 * projection (13-100 MB), streams from DRAM. SmolVLM-256M's own 1536x576 works for the
 * 32-value block types ({@code -p shape=1536x576 -p type=Q8_0}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemvBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    public GgmlType type;

    @Param({"1024x1024", "9728x2560"})
    public String shape;

    @Param("1")
    public int threads;

    /** EXACT: ggml's product (decode with exact numerics); FAST: the fast decode product. */
    @Param("EXACT")
    public dev.loupe.engine.kernels.Numerics numerics;

    /** Whether the weights are repacked at load first (FAST only; types with a repacked form: Q8_0). */
    @Param("false")
    public boolean repack;

    private WeightProduct product;

    /** Bytes of weights read, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public long weightBytes;

        @Setup(Level.Iteration)
        public void reset() {
            weightBytes = 0;
        }
    }

    @Setup
    public void setUp() {
        product = new WeightProduct(type, shape, 1, threads);
        if (repack) product.matrix.repack(product.pool);
    }

    @TearDown
    public void tearDown() {
        product.close();
    }

    @Benchmark
    public float[] gemv(Traffic traffic) {
        if (numerics == dev.loupe.engine.kernels.Numerics.EXACT) product.matrix.multiply(product.x, 1, product.out, product.pool);
        else product.matrix.multiplyDecode(product.x, 1, product.out, product.pool, numerics);
        traffic.weightBytes += product.weightBytes();
        return product.out;
    }
}
