package dev.loupe.udf;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The oracle's tiny Qwen3-VL text model, reassembled for tests from the two halves the engine's
 * test resources keep (see their DERIVED-RESOURCES.md): the decoder-only GGUF (tensors and
 * hyper-parameters) and the gzipped tokenizer GGUF (the vocabulary). The result has the same
 * keys and tensors as the oracle's {@code qwen3vl-text-f16.gguf}.
 */
public final class Qwen3VlOracleModel {
    public static final Path DIR = Path.of("..", "engine", "src", "test", "resources", "oracle", "qwen3vl", "models").toAbsolutePath().normalize();
    public static final Path MMPROJ = DIR.resolve("qwen3vl-mmproj-f16.gguf");

    private Qwen3VlOracleModel() {}

    /** Writes the full text model into {@code dir} and returns its path. */
    public static Path textModel(Path dir) {
        try {
            Path tokenizer = dir.resolve("qwen3vl-tokenizer.gguf");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(DIR.resolve("qwen3vl-tokenizer.gguf.gz")))) {
                Files.copy(in, tokenizer);
            }
            Path out = dir.resolve("qwen3vl-text-f16.gguf");
            try (GgufFile decoder = GgufFile.open(DIR.resolve("qwen3vl-text-f16-decoder-only.gguf")); GgufFile vocab = GgufFile.open(tokenizer)) {
                GgufWriter w = new GgufWriter();
                w.putAll(decoder.metadata().asMap());
                for (Map.Entry<String, GgufValue> e : vocab.metadata().asMap().entrySet()) {
                    if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), e.getValue());
                }
                for (GgufTensor t : decoder.tensors().values()) w.addTensor(t.name(), t.type(), t.ne(), t.data());
                w.write(out); // the tensors are views of the decoder's mapping: write before it closes
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
