package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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
 * {@link Numerics#FAST} decoding), each type measured by {@link KernelAllocationProbe} in a
 * JVM of its own; and the vector work around them ({@link VectorOpsAllocationProbe}: decode
 * attention, SwiGLU, softmax). Run natively and, by the {@code avx2-kernels} surefire
 * execution, with {@code -XX:UseAVX=2}, it covers the 512- and 256-bit species.
 */
class KernelAllocationTest {


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
    void decodeProductsAllocateNothing(GgmlType type, int rows, TestReporter reporter) throws Exception {
        assertTrue(Kernels.supported().contains(type), type + " is supported: the list above must follow Kernels");
        // A JVM of its own per type: C2 compiles the kernel methods the types share with the
        // profile it saw first, so a type measured after others could catch code compiled for
        // them, which says nothing about this type's kernels.
        probe(KernelAllocationProbe.class, type.name(), reporter, type.name(), Integer.toString(rows));
    }

    /** Decode attention, SwiGLU, the softmaxes and log-sum-exp: the vector work around the products. */
    @org.junit.jupiter.api.Test
    void attentionAndActivationsAllocateNothing(TestReporter reporter) throws Exception {
        probe(VectorOpsAllocationProbe.class, "vector ops", reporter);
    }

    /**
     * Runs {@code probe}'s main in a JVM of its own with this JVM's flags ({@code -XX:UseAVX=2}
     * included) and asserts it exits 0; its last line starting with {@code reportPrefix} is
     * published.
     */
    private static void probe(Class<?> probe, String reportPrefix, TestReporter reporter, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) command.add(arg);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), probe.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the probe " + probe.getSimpleName() + " " + reportPrefix + " did not finish");
        String report = output.lines().filter(l -> l.startsWith(reportPrefix)).reduce((a, b) -> b).orElse(output);
        reporter.publishEntry("allocation", report);
        assertEquals(0, p.exitValue(), report + ": a boxed Vector API fallback or a per-call buffer");
    }
}
