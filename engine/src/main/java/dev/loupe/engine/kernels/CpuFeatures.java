package dev.loupe.engine.kernels;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;

/**
 * The CPU's vector features as a benchmark report needs them: what the processor has
 * (/proc/cpuinfo's flags), what the JIT was allowed to use ({@code -XX:UseAVX}) and the width
 * the Vector API picked. A figure measured with {@code -XX:UseAVX=2} on an AVX-512 machine is an
 * AVX2 figure, and the report must say so.
 */
public final class CpuFeatures {
    /** The flags that decide which kernels run fast, in the order reported. */
    static final List<String> REPORTED = List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile");

    private CpuFeatures() {}

    /** E.g. "avx2 fma f16c avx512f avx512bw; JIT UseAVX=2; vectors 256-bit". */
    public static String describe() {
        String flags = String.join(" ", reported(cpuFlags()));
        return (flags.isEmpty() ? "cpu flags unknown" : flags) + "; JIT UseAVX=" + jitUseAvx()
                + "; vectors " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit";
    }

    /** The reported flags the CPU has, in {@link #REPORTED}'s order. */
    static List<String> reported(Set<String> flags) {
        return REPORTED.stream().filter(flags::contains).toList();
    }

    /** The first processor's flags from /proc/cpuinfo; empty where there is none (not Linux). */
    static Set<String> cpuFlags() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** HotSpot's UseAVX option (3 on AVX-512 machines unless lowered), or "?" elsewhere. */
    static String jitUseAvx() {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean.getVMOption("UseAVX").getValue();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }
}
