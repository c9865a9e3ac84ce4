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
import jdk.incubator.vector.FloatVector;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@link KernelCompilationTest}'s child JVM: records every JIT compilation (JFR's
 * {@code jdk.Compilation} and {@code jdk.CompilationFailure}, no threshold) while a fresh JVM
 * repacks weights — which compiles the panels' tiles (Int8Panels.warmUpTiles), as a model's
 * load does — and runs decode steps of one, three and eight sequences and prompt products for
 * a few seconds. Prints each {@link Int8Panels} and {@link PackedGemm} method's compilations and exits
 * 1 if one failed and C2 never compiled it afterwards (a compiler that gives up on a tile leaves
 * it to a lower tier, whose Vector API calls box every vector; an OSR compilation C1 abandons
 * once C2's is installed is harmless), or if a tile never reached C2.
 */
public final class KernelCompilationProbe {
    /** The classes whose compilations are watched, and the tiles of theirs that must reach C2. */
    static final List<String> WATCHED = List.of(Int8Panels.class.getName(), PackedGemm.class.getName());
    static final List<String> TILES = List.of(
            "Int8Panels.tile1",                             // every single-sequence decode step
            // AVX-512 multiplies a lone row's 4-bit codes in 16-bit integer lanes, AVX2 in floats
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile1Nibbles" : "Int8Panels.tile1NibblesInFloats",
            // decode steps of five to eight sequences, 4-bit and 8-bit codes
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile8x3Nibbles" : "Int8Panels.tile8Nibbles",
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile8x3" : "Int8Panels.tile8",
            // decode steps of two to four sequences: AVX-512 four rows at a time, AVX2 three
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile4x3Nibbles" : "Int8Panels.tile3x3Nibbles",
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile4x3" : "Int8Panels.tile3x3",
            // every prompt of quantized weights: AVX-512's 4-row tile, AVX2's 3-row one; of 4-bit codes in 16-bit lanes
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tile4" : "Int8Panels.tile3",
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? "Int8Panels.tilePairs4" : "Int8Panels.tilePairs3",
            "PackedGemm.tile4");                            // every prompt and encoder product

    private KernelCompilationProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("kernel-compilations", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.Compilation").withThreshold(Duration.ZERO);
            recording.enable("jdk.CompilationFailure");
            recording.start();
            decodeForAWhile(Duration.ofSeconds(Long.parseLong(args.length > 0 ? args[0] : "3")));
            recording.stop();
            recording.dump(file);
        }
        TreeMap<String, List<String>> compilations = new TreeMap<>();
        TreeMap<Long, String> failureMessages = new TreeMap<>();
        // method -> compile id of its last failed compilation / of its last C2 one
        TreeMap<String, Long> lastFailure = new TreeMap<>(), lastOptimized = new TreeMap<>();
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals("jdk.CompilationFailure")) failureMessages.put(e.getLong("compileId"), e.getString("failureMessage"));
        }
        for (RecordedEvent e : events) {
            if (!e.getEventType().getName().equals("jdk.Compilation")) continue;
            RecordedMethod method = e.getValue("method");
            if (method == null || !WATCHED.contains(method.getType().getName())) continue;
            String name = method.getType().getName().substring(method.getType().getName().lastIndexOf('.') + 1) + "." + method.getName();
            boolean succeeded = e.getBoolean("succeded"); // sic: JFR's field name
            int level = e.getShort("compileLevel");
            long id = e.getLong("compileId");
            String message = failureMessages.get(id);
            compilations.computeIfAbsent(name, n -> new ArrayList<>()).add("tier " + level + (e.getBoolean("isOsr") ? " OSR" : "")
                    + (succeeded ? "" : " FAILED" + (message == null ? "" : " (" + message + ")")));
            if (!succeeded) lastFailure.merge(name, id, Math::max);
            else if (level == 4) lastOptimized.merge(name, id, Math::max);
        }
        Files.delete(file);
        compilations.forEach((name, list) -> System.out.println(name + ": " + String.join(", ", list)));
        List<String> failed = lastFailure.keySet().stream()
                .filter(m -> lastOptimized.getOrDefault(m, -1L) < lastFailure.get(m)).toList();
        List<String> cold = TILES.stream()
                .filter(t -> !lastOptimized.containsKey(t)).toList();
        if (!failed.isEmpty() || !cold.isEmpty()) {
            System.out.println("RESULT failed compilations not followed by C2's: " + failed + "; tiles never compiled by C2: " + cold);
            System.exit(1);
        }
        System.out.println("RESULT every failed compilation was followed by C2's; the tiles reached C2");
    }

    /**
     * Weights of an 8-bit, a 4-bit and a 6-bit type repacked, then decode steps (of one
     * sequence, every 16th of eight and of three) until {@code time} has passed, every 16th a
     * prompt product of the repacked panels or of an F16 matrix (the encoder's), both through
     * {@link PackedGemm}.
     */
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
            WeightMatrix half = new WeightMatrix("F16", GgmlType.F16, rows, cols, RandomWeights.of(arena, GgmlType.F16, rows, cols, rnd));
            int prompt = Numerics.PACKED_MIN_ROWS;
            float[] x = new float[prompt * cols], out = new float[prompt * rows];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            long end = System.nanoTime() + time.toNanos();
            for (int call = 0; System.nanoTime() < end; call++) {
                WeightMatrix m = matrices.get(call % matrices.size());
                if (call % 16 == 7) (call % 32 == 7 ? half : m).multiply(x, prompt, out, pool, Numerics.FAST);
                else m.multiplyDecode(x, call % 16 == 15 ? 8 : call % 16 == 11 ? 3 : 1, out, pool, Numerics.FAST);
            }
        }
    }
}
