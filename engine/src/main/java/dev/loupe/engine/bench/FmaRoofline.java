package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The compute roof a prompt's products run under: the float FMA throughput this JVM reaches
 * with its preferred species on {@code threads} threads (register-only FMA chains, nothing
 * loaded), and the FLOPs a prompt token costs in a model's weight products. A prompt's tokens
 * per second times the second, over the first, is the share of the peak its products use —
 * and any engine's prompt rate times the FLOPs per token says whether float FMAs could reach
 * it at all (llama.cpp's K-quant products are 8-bit integer dot products, which this roof does
 * not bound).
 */
public final class FmaRoofline {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent chains per thread: more than an FMA's latency times its ports (4 x 2). */
    private static final int CHAINS = 12;

    private FmaRoofline() {}

    /**
     * FLOPs of a prompt token in the weight products of a text model: 2 per weight of every
     * matrix of the repeated blocks ({@code blk.*}). Attention's own products and the output
     * matrix (a prompt's logits are the last token's) are left out.
     */
    public static double productFlopsPerToken(GgufFile text) {
        double flops = 0;
        for (GgufTensor t : text.tensors().values()) {
            if (t.name().startsWith("blk.") && t.dims() == 2) flops += 2.0 * t.elementCount();
        }
        return flops;
    }

    /**
     * Float FMA throughput in GFLOP/s of {@code threads} threads together, each running
     * {@link #CHAINS} independent FMA chains of the preferred species for about
     * {@code millis} milliseconds after a warm-up; the median of three runs. Each thread's rate
     * is over its own CPU time, so that other load on a shared machine does not lower the roof
     * (it is the rate of a core the thread has to itself).
     */
    public static double peakGflops(int threads, long millis) {
        run(threads, 2_000_000); // C2 compiles the loop
        long iterations = 1_000_000;
        while (true) {
            long t0 = System.nanoTime();
            run(threads, iterations);
            long elapsed = System.nanoTime() - t0;
            if (elapsed >= millis * 1_000_000L / 4 || iterations > 1L << 40) {
                iterations = Math.max(iterations, (long) (iterations * (millis * 1e6 / Math.max(1, elapsed))));
                break;
            }
            iterations *= 4;
        }
        double[] runs = {run(threads, iterations), run(threads, iterations), run(threads, iterations)};
        java.util.Arrays.sort(runs);
        return runs[1];
    }

    /** Runs the chains on {@code threads} threads; returns the sum of their GFLOP/s, each over its own CPU time. */
    private static double run(int threads, long iterations) {
        CountDownLatch done = new CountDownLatch(threads);
        double[] gflops = new double[threads];
        float[] sink = new float[threads];
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread.ofPlatform().daemon().start(() -> {
                long c0 = cpu.getCurrentThreadCpuTime();
                sink[id] = chains(iterations, 1f + id * 1e-7f);
                long ns = Math.max(1, cpu.getCurrentThreadCpuTime() - c0);
                gflops[id] = 2.0 * S.length() * CHAINS * iterations / ns;
                done.countDown();
            });
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the FMA peak", e);
        }
        double sum = 0;
        for (double g : gflops) sum += g;
        return sum;
    }

    /** Twelve chains x = x * m + c: the values stay bounded (m just below 1), the result is kept. */
    private static float chains(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 1e-3f);
        FloatVector x0 = FloatVector.broadcast(S, seed), x1 = x0.add(1f), x2 = x0.add(2f), x3 = x0.add(3f);
        FloatVector x4 = x0.add(4f), x5 = x0.add(5f), x6 = x0.add(6f), x7 = x0.add(7f);
        FloatVector x8 = x0.add(8f), x9 = x0.add(9f), x10 = x0.add(10f), x11 = x0.add(11f);
        for (long i = 0; i < iterations; i++) {
            x0 = x0.fma(m, c);
            x1 = x1.fma(m, c);
            x2 = x2.fma(m, c);
            x3 = x3.fma(m, c);
            x4 = x4.fma(m, c);
            x5 = x5.fma(m, c);
            x6 = x6.fma(m, c);
            x7 = x7.fma(m, c);
            x8 = x8.fma(m, c);
            x9 = x9.fma(m, c);
            x10 = x10.fma(m, c);
            x11 = x11.fma(m, c);
        }
        return x0.add(x1).add(x2).add(x3).add(x4).add(x5).add(x6).add(x7).add(x8).add(x9).add(x10).add(x11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
