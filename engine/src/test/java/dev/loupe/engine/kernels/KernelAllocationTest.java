package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decode step's products allocate nothing once compiled. A kernel that names a vector
 * species wider than the machine's, or a shape C2 cannot compile to this machine's
 * instructions, runs the Vector API's Java fallback, which boxes every vector: kilobytes per
 * product and tens of times slower, with nothing else to show for it. So does a kernel method
 * whose vectors escape (a non-inlined helper returning one). This test sees both as heap
 * allocated by the calling thread.
 *
 * <p>Each product is the body {@code WeightMatrix} hands the compute pool for a range of rows
 * (the pool runs it on the calling thread too): ggml's products of one and of eight activation
 * rows ({@link WeightKernel#multiply}, activations prepared once outside the loop, as a decode
 * step prepares them once per matrix: {@link Numerics#EXACT} decoding, one sequence or a batch)
 * and the striped products of one and of eight ({@link WeightKernel#multiplyStriped},
 * {@link Numerics#FAST} decoding). Run natively and, by the {@code avx2-kernels}
 * surefire execution, with {@code -XX:UseAVX=2}, it covers the 512- and 256-bit species.
 */
class KernelAllocationTest {
    private static final int COLS = 512;
    /** Calls before measuring: enough for C2 to compile the kernels (thousands of row loops). */
    private static final int WARM_UP_CALLS = 2_000;
    private static final int CALLS_PER_ROUND = 200;
    /**
     * How long rounds of measurement may go on for compilation to settle. When a JVM has run
     * other types or shapes through the same kernel methods first, C2 recompiles them a few
     * times (their profiles change), and a round may catch the interim code, which boxes; on
     * a busy machine that can last seconds. A boxed fallback never settles. The first round
     * under the bound passes.
     */
    private static final long PATIENCE_NANOS = 10_000_000_000L;
    /** A compiled kernel allocates nothing; the boxed fallback kilobytes per call. */
    private static final long MAX_BYTES_PER_CALL = 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Every supported type; the repacking ones (Q4_0, IQ4_NL, Q4_K) in both layouts. */
    static Stream<Arguments> matrices() {
        List<Arguments> cases = new ArrayList<>();
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
                GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS}) {
            cases.add(Arguments.of(type, 16));
            // forMatrix returns the kernel itself unless the row count selects a repacked layout.
            if (Kernels.forMatrix(type, "t", 16) != Kernels.forMatrix(type, "t", 15)) cases.add(Arguments.of(type, 15));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1} rows")
    @MethodSource("matrices")
    void decodeProductsAllocateNothing(GgmlType type, int rows, TestReporter reporter) {
        assertTrue(Kernels.supported().contains(type), type + " is supported: the list above must follow Kernels");
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = type.blockSize == 1 ? WeightKernelDifferentialTest.randomWeights(arena, type, rows, COLS, rnd)
                    : WeightKernelDifferentialTest.randomBlocks(arena, type, rows, COLS, rnd, false);
            WeightKernel kernel = Kernels.forMatrix(type, "test", rows);
            int batch = 8;
            float[] input = new float[batch * COLS];
            for (int i = 0; i < input.length; i++) input[i] = (float) rnd.nextGaussian();
            float[] rounded = new float[batch * COLS];
            for (int b = 0; b < batch; b++) kernel.roundRow(input, b * COLS, rounded, b * COLS, COLS);
            Activations one = kernel.prepare(input, 1, COLS), all = kernel.prepare(input, batch, COLS);
            float[] out = new float[batch * rows];

            long single = bytesPerCall(() -> kernel.multiply(w, COLS, one, 0, rows, out, rows));
            long batched = bytesPerCall(() -> kernel.multiply(w, COLS, all, 0, rows, out, rows));
            long striped = bytesPerCall(() -> kernel.multiplyStriped(w, COLS, rounded, 1, 0, rows, out, rows));
            long stripedBatch = bytesPerCall(() -> kernel.multiplyStriped(w, COLS, rounded, batch, 0, rows, out, rows));
            String report = type + " " + rows + "x" + COLS + " on " + FloatVector.SPECIES_PREFERRED + ", bytes per call: ggml single-row "
                    + single + ", ggml batch " + batch + " " + batched + ", striped single-row " + striped + ", striped batch " + batch + " " + stripedBatch;
            reporter.publishEntry("allocation", report);
            assertTrue(Math.max(Math.max(single, batched), Math.max(striped, stripedBatch)) < MAX_BYTES_PER_CALL,
                    report + ": a boxed Vector API fallback or a per-call buffer");
        }
    }

    /**
     * Warms {@code product} up, then measures rounds of calls until one stays under the bound
     * or {@link #PATIENCE_NANOS} have passed; the fewest bytes per call of a round.
     */
    private static long bytesPerCall(Runnable product) {
        for (int i = 0; i < WARM_UP_CALLS; i++) product.run();
        long best = Long.MAX_VALUE, deadline = System.nanoTime() + PATIENCE_NANOS;
        do {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS_PER_ROUND; i++) product.run();
            best = Math.min(best, (THREADS.getCurrentThreadAllocatedBytes() - before) / CALLS_PER_ROUND);
        } while (best >= MAX_BYTES_PER_CALL && System.nanoTime() < deadline);
        return best;
    }
}
