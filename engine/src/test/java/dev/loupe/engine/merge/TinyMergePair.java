package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A vision model and a text model of the same shapes for merge tests. The vision model is the
 * oracle's tiny Qwen3-VL text decoder (qwen3vl, F16, engine test resources). The text model is a
 * qwen3 file (its keys renamed, M-RoPE sections and DeepStack count dropped) whose every 2-D
 * weight is, in F32, W_vision + a rank-2 perturbation with singular values 3·s and s (s a tenth of
 * the weight's own norm), so Δ = −perturbation: the knee keeps both directions (k = 2) and the
 * merge gives back the vision weights. Norms are scaled by 1.1 (kept from the vision model:
 * vectors); the embedding table is copied.
 */
public final class TinyMergePair {
    public static final Path VISION = resources().resolve("oracle/qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf");

    private TinyMergePair() {}

    /** engine/src/test/resources from the engine module or a sibling module. */
    static Path resources() {
        Path here = Path.of("src/test/resources/oracle/qwen3vl");
        return (Files.isDirectory(here) ? Path.of("src/test/resources") : Path.of("..", "engine", "src", "test", "resources")).toAbsolutePath().normalize();
    }

    /** Writes the text model to {@code out}. */
    public static Path writeTextModel(Path out) {
        return writeTextModel(VISION, out);
    }

    /** The text model of any qwen3vl text GGUF (the oracle's full one, with its vocabulary, for llama.cpp). */
    public static Path writeTextModel(Path vision, Path out) {
        try (GgufFile v = GgufFile.open(vision)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : v.metadata().asMap().entrySet()) {
                String key = e.getKey();
                if (key.equals("general.architecture")) w.put(key, GgufValue.ofString("qwen3"));
                else if (key.equals("general.name")) w.put(key, GgufValue.ofString("tiny-qwen3-text-for-merge-tests"));
                else if (key.startsWith("qwen3vl.")) {
                    if (key.endsWith("rope.dimension_sections") || key.endsWith("n_deepstack_layers")) continue;
                    w.put("qwen3." + key.substring("qwen3vl.".length()), e.getValue());
                } else {
                    w.put(key, e.getValue());
                }
            }
            for (GgufTensor t : v.tensors().values()) {
                if (t.name().equals("token_embd.weight")) {
                    w.addTensor(t.name(), t.type(), t.ne(), t.data());
                    continue;
                }
                int cols = Math.toIntExact(t.ne()[0]), rows = Math.toIntExact(t.rows());
                float[] x = TensorMerger.floats(t, 0, rows, cols);
                if (t.dims() < 2) {
                    for (int i = 0; i < x.length; i++) x[i] *= 1.1f;
                } else {
                    perturb(x, rows, cols, new SplittableRandom(t.name().hashCode()));
                }
                w.addTensor(t.name(), t.ne(), x);
            }
            w.write(out); // the copied embedding is a view of the vision mapping: write before it closes
        }
        return out;
    }

    /** Adds σ_1 a bᵀ + σ_2 c dᵀ with unit a ⟂ c, b ⟂ d, σ = 3s and s, s = ‖W‖/10. */
    private static void perturb(float[] x, int rows, int cols, SplittableRandom rnd) {
        double norm = 0;
        for (float f : x) norm += f * f;
        double s = Math.sqrt(norm) / 10;
        double[][] left = orthonormalPair(rnd, rows), right = orthonormalPair(rnd, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] += (float) (3 * s * left[0][i] * right[0][j] + s * left[1][i] * right[1][j]);
            }
        }
    }

    private static double[][] orthonormalPair(SplittableRandom rnd, int n) {
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) { a[i] = rnd.nextGaussian(); b[i] = rnd.nextGaussian(); }
        normalise(a);
        double dot = 0;
        for (int i = 0; i < n; i++) dot += a[i] * b[i];
        for (int i = 0; i < n; i++) b[i] -= dot * a[i];
        normalise(b);
        return new double[][] {a, b};
    }

    private static void normalise(double[] v) {
        double n = 0;
        for (double x : v) n += x * x;
        n = Math.sqrt(n);
        for (int i = 0; i < v.length; i++) v[i] /= n;
    }
}
