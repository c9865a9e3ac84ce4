package dev.loupe.engine.text;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes the tokenizer-only GGUFs of the test resources: copies {@code general.architecture},
 * {@code general.name} and every {@code tokenizer.*} key of a model GGUF into a file without
 * tensors, so the oracle's vocabularies can be tested without their multi-megabyte weights.
 *
 * <p>Usage: {@code java -cp engine/target/classes:engine/target/test-classes dev.loupe.engine.text.TokenizerGgufExtract in.gguf out.gguf}
 */
public final class TokenizerGgufExtract {
    private TokenizerGgufExtract() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: TokenizerGgufExtract <model.gguf> <tokenizer-only.gguf>");
            System.exit(2);
        }
        GgufWriter out = new GgufWriter();
        try (GgufFile in = GgufFile.open(Path.of(args[0]))) {
            for (Map.Entry<String, GgufValue> e : in.metadata().asMap().entrySet()) {
                String key = e.getKey();
                if (key.equals("general.architecture") || key.equals("general.name") || key.startsWith("tokenizer.")) out.put(key, e.getValue());
            }
            out.put("general.description", GgufValue.ofString("Loupe test resource: the tokenizer metadata of " + in.path().getFileName() + ", no tensors"));
        }
        out.write(Path.of(args[1]));
    }
}
