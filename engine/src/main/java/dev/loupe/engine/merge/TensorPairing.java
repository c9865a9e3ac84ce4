package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which tensors of the vision model's text GGUF are merged with the text model's and which are
 * kept as they are, each with the reason. Tensors pair by GGUF name: llama.cpp's converters give
 * qwen3vl and qwen3 (and llama-style families generally) the same tensor names, and the
 * architecture-specific parts (M-RoPE sections, DeepStack) are metadata keys, not tensors.
 *
 * <p>The method's keep-rules, in order: embedding and output tensors ({@code token_embd},
 * anything with {@code embed}, {@code lm_head}, and the output head {@code output.*}); tensors the
 * text model lacks; tensors whose shapes differ; vectors (fewer than two dimensions: norms,
 * biases). The method states the output rule as names containing {@code "output."}; in GGUF names
 * that substring also matches every layer's attention projection {@code blk.N.attn_output.weight},
 * which is no output head, so the rule is read as the name's first segment being {@code output}
 * (the LM head {@code output.weight}; {@code output_norm} is a vector and kept anyway).
 */
public final class TensorPairing {
    /** What happens to one tensor. */
    public enum Action { MERGE, KEEP }

    /** One tensor of the vision model, its partner in the text model (null when absent) and what is done with it. */
    public record Pair(GgufTensor vision, GgufTensor text, Action action, String reason) {
        public String name() {
            return vision.name();
        }
    }

    private final List<Pair> pairs;
    private final List<String> unused;

    private TensorPairing(List<Pair> pairs, List<String> unused) {
        this.pairs = List.copyOf(pairs);
        this.unused = List.copyOf(unused);
    }

    /** Every tensor of {@code vision} in file order, paired with {@code text}'s. */
    public static TensorPairing of(GgufFile vision, GgufFile text) {
        List<Pair> pairs = new ArrayList<>();
        for (GgufTensor v : vision.tensors().values()) {
            GgufTensor t = text.tensors().get(v.name());
            pairs.add(decide(v, t));
        }
        List<String> unused = text.tensors().keySet().stream().filter(n -> !vision.hasTensor(n)).toList();
        return new TensorPairing(pairs, unused);
    }

    static Pair decide(GgufTensor vision, GgufTensor text) {
        String name = vision.name();
        if (isEmbeddingOrOutput(name)) return new Pair(vision, text, Action.KEEP, "embedding or output tensor");
        if (text == null) return new Pair(vision, null, Action.KEEP, "not in the text model");
        if (!Arrays.equals(vision.ne(), text.ne())) {
            return new Pair(vision, text, Action.KEEP, "shapes differ: " + Arrays.toString(vision.ne()) + " vs " + Arrays.toString(text.ne()) + " in the text model");
        }
        if (vision.dims() < 2) return new Pair(vision, text, Action.KEEP, "vector (norm or bias)");
        return new Pair(vision, text, Action.MERGE, "merged");
    }

    static boolean isEmbeddingOrOutput(String name) {
        return name.contains("embed") || name.contains("token_embd") || name.contains("lm_head") || name.startsWith("output.");
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public List<Pair> merged() {
        return pairs.stream().filter(p -> p.action() == Action.MERGE).toList();
    }

    /** Tensors of the text model that the vision model does not have: not used. */
    public List<String> unused() {
        return unused;
    }
}
