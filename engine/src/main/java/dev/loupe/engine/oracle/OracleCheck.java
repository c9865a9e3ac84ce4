package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the cases of an oracle directory (the layout of shared/oracle: an images/ folder and
 * one folder per family holding manifest.json) through the engine and compares with what
 * llama.cpp computed. Tolerances are the project's: token ids exact, preprocessed pixels
 * within 1e-4, embeddings and logits within 1e-2 of the reference's largest magnitude.
 * Cases that compute run once per requested {@link Numerics}; a FAST run's case names end in
 * {@code [fast]}.
 */
public final class OracleCheck {
    public static final double RELATIVE_TOLERANCE = 1e-2;
    /**
     * {@link Numerics#FAST} on a quantized model. Any summation order other than ggml's own
     * moves some activations across a Q8 rounding boundary, and random weights amplify each
     * such step layer by layer: llama.cpp's own AVX-512 (zen4) build differs from its AVX2
     * (haswell) build, which made the oracle, by 1.6e-2 of max|logit| on the smolvlm Q4_0 case
     * (measured here with the reference package). FAST measures 0.9e-2 to 3.3e-2.
     */
    public static final double FAST_QUANTIZED_TOLERANCE = 5e-2;

    /** The tolerance of a case computed with {@code numerics} on a model that is {@code quantized} or not. */
    static double tolerance(Numerics numerics, boolean quantized) {
        return numerics == Numerics.FAST && quantized ? FAST_QUANTIZED_TOLERANCE : RELATIVE_TOLERANCE;
    }
    public static final double PIXEL_TOLERANCE = 1e-4;

    /** Checks one family's cases. */
    interface FamilyChecker {
        void run(Path familyDir, JsonNode manifest, Consumer<CaseResult> sink);
    }

    private final ComputePool pool;
    private final List<Numerics> numerics;

    public OracleCheck(ComputePool pool, List<Numerics> numerics) {
        if (numerics.isEmpty()) throw new IllegalArgumentException("no numerics to check");
        this.pool = pool;
        this.numerics = List.copyOf(numerics);
    }

    /** Runs every family found under {@code root}; results go to {@code sink} as they come. */
    public List<CaseResult> run(Path root, Consumer<CaseResult> sink) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + ": not a directory");
        List<CaseResult> all = new ArrayList<>();
        Consumer<CaseResult> both = r -> {
            all.add(r);
            sink.accept(r);
        };
        List<Path> families;
        try (Stream<Path> s = Files.list(root)) {
            families = s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (families.isEmpty()) throw new IllegalArgumentException(root + ": no family folder with a manifest.json");
        for (Path dir : families) {
            JsonNode manifest = readJson(dir.resolve("manifest.json"));
            String family = manifest.path("family").asText(dir.getFileName().toString());
            FamilyChecker checker = switch (family) {
                case "smolvlm" -> new SmolVlmChecker(pool, numerics);
                case "qwen3vl" -> new Qwen3VlChecker(pool, numerics);
                case "youtuvl" -> new YoutuVlChecker(pool, numerics);
                default -> null;
            };
            if (checker == null) {
                both.accept(CaseResult.skip(family, "family not supported by this engine yet"));
                continue;
            }
            try {
                checker.run(dir, manifest, both);
            } catch (RuntimeException e) {
                both.accept(CaseResult.fail(family, "checker crashed: " + e));
            }
        }
        return all;
    }

    static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
