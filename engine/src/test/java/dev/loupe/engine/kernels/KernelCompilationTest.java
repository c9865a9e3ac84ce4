package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * The panels' tiles compile on every JIT tier. A tile one compiler gives up on (C1's register
 * allocator did on a two-panel 4-bit tile: "out of virtual registers in linear scan") can stay
 * at a lower tier for the whole run, where its Vector API calls box every vector: a SmolVLM
 * decode ran at 8 instead of 200 tokens/s, while {@link KernelAllocationTest}, whose JVM took
 * another path through the tiers, passed. So a fresh JVM with this JVM's flags
 * ({@code -XX:UseAVX=2} in the avx2-kernels execution) records its compilations with JFR while
 * it loads, decodes and multiplies prompts ({@link KernelCompilationProbe}): every failed
 * compilation of {@link Int8Panels}' or {@link PackedGemm}'s methods must be followed by a C2
 * one, and the one-row tiles and the prompts' 4-row tile must reach C2.
 */
class KernelCompilationTest {

    @Test
    void theTilesCompileOnEveryTierAndReachC2(TestReporter reporter) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) command.add(arg);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelCompilationProbe.class.getName(), "5"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the compilation probe did not finish");
        reporter.publishEntry("compilations", output);
        assertEquals(0, p.exitValue(), output);
    }
}
