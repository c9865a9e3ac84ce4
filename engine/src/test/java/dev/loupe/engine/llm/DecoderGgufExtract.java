package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Makes the decoder-only GGUFs of the test resources, the complement of the tokenizer-only
 * ones: every tensor and every key except the vocabulary arrays (tokens, types, merges), which a
 * decoder never reads and which are a third of qwen3vl's oracle model.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes dev.loupe.engine.llm.DecoderGgufExtract in.gguf out.gguf}
 */
public final class DecoderGgufExtract {
    private static final Set<String> VOCABULARY = Set.of("tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges");

    private DecoderGgufExtract() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: DecoderGgufExtract <model.gguf> <decoder-only.gguf>");
            System.exit(2);
        }
        try (GgufFile in = GgufFile.open(Path.of(args[0]))) {
            GgufWriter out = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().asMap().entrySet()) {
                if (!VOCABULARY.contains(e.getKey())) out.put(e.getKey(), e.getValue());
            }
            out.put("general.description", GgufValue.ofString("Loupe test resource: the tensors and hyper-parameters of "
                    + in.path().getFileName() + ", without the vocabulary arrays"));
            for (GgufTensor t : in.tensors().values()) out.addTensor(t.name(), t.type(), t.ne(), t.data());
            // The tensors are views of the input mapping: write before it closes.
            out.write(Path.of(args[1]));
        }
    }
}
