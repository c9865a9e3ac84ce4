package dev.loupe.engine.kernels;

import dev.loupe.engine.bench.RandomWeights;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@link KernelCompilationTest}'s child JVM: records every JIT compilation (JFR's
 * {@code jdk.Compilation}, no threshold) while a fresh JVM repacks weights — which compiles the
 * panels' tiles (Int8Panels.warmUpTiles), as a model's load does — and runs decode steps of
 * one and of eight sequences for a few seconds. Prints each {@link Int8Panels} method's
 * compilations and exits 1 if one failed (a compiler that gives up on a tile leaves it to a
 * lower tier, whose Vector API calls box every vector), or if a one-row tile never reached C2.
 */
public final class KernelCompilationProbe {
    /** The one-row tiles: every single-sequence decode step runs through them. */
    static final List<String> ONE_ROW_TILES = List.of("tile1", "tile1Nibbles");

    private KernelCompilationProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("kernel-compilations", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.Compilation").withThreshold(Duration.ZERO);
            recording.start();
            decodeForAWhile(Duration.ofSeconds(Long.parseLong(args.length > 0 ? args[0] : "3")));
            recording.stop();
            recording.dump(file);
        }
        TreeMap<String, List<String>> compilations = new TreeMap<>();
        TreeSet<String> failed = new TreeSet<>(), optimized = new TreeSet<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            RecordedMethod method = e.getValue("method");
            if (method == null || !method.getType().getName().equals(Int8Panels.class.getName())) continue;
            String name = method.getName();
            boolean succeeded = e.getBoolean("succeded"); // sic: JFR's field name
            int level = e.getShort("compileLevel");
            compilations.computeIfAbsent(name, n -> new ArrayList<>()).add("tier " + level + (e.getBoolean("isOsr") ? " OSR" : "") + (succeeded ? "" : " FAILED"));
            if (!succeeded) failed.add(name);
            else if (level == 4) optimized.add(name);
        }
        Files.delete(file);
        compilations.forEach((name, list) -> System.out.println(name + ": " + String.join(", ", list)));
        List<String> cold = ONE_ROW_TILES.stream().filter(t -> !optimized.contains(t)).toList();
        if (!failed.isEmpty() || !cold.isEmpty()) {
            System.out.println("RESULT failed compilations: " + failed + "; one-row tiles never compiled by C2: " + cold);
            System.exit(1);
        }
        System.out.println("RESULT every Int8Panels compilation succeeded; the one-row tiles reached C2");
    }

    /** Weights of an 8-bit, a 4-bit and a 6-bit type repacked, then decode steps until {@code time} has passed. */
    private static void decodeForAWhile(Duration time) {
        ComputePool pool = new ComputePool(1);
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(5);
            int rows = 4 * Int8Panels.PANEL, cols = 512;
            List<WeightMatrix> matrices = new ArrayList<>();
            for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
                WeightMatrix m = new WeightMatrix(type.name(), type, rows, cols, RandomWeights.of(arena, type, rows, cols, rnd));
                m.repack(pool);
                matrices.add(m);
            }
            float[] x = new float[8 * cols], out = new float[8 * rows];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            long end = System.nanoTime() + time.toNanos();
            for (int call = 0; System.nanoTime() < end; call++) {
                matrices.get(call % matrices.size()).multiplyDecode(x, call % 16 == 15 ? 8 : 1, out, pool, Numerics.FAST);
            }
        }
    }
}
