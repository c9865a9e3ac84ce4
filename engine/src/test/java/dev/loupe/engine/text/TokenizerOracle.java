package dev.loupe.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * One model family's tokenizer ground truth from the oracle (llama.cpp's own outputs): the GGUF
 * holding the vocabulary, tokenizer.json (31 strings x 4 flag combinations) and the manifest's
 * prompt cases. Tokenizers are built once per family and shared by the tests.
 */
record TokenizerOracle(String family, Path gguf, JsonNode tokenizerCases, JsonNode manifest) {
    static final Path ROOT = Path.of("src/test/resources/oracle");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] COMBINATIONS = {
        "add_special=false,parse_special=false", "add_special=false,parse_special=true",
        "add_special=true,parse_special=false", "add_special=true,parse_special=true"};
    private record Loaded(BpeTokenizer tokenizer, ChatFormat chatFormat) {}
    private static final ConcurrentHashMap<String, Loaded> LOADED = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Path> UNPACKED = new ConcurrentHashMap<>();

    /** Every family whose oracle subset is in the test resources. */
    static List<TokenizerOracle> all() {
        List<TokenizerOracle> out = new ArrayList<>();
        out.add(load("smolvlm", "models/smolvlm-text-f16.gguf", "manifest.json"));
        if (Files.exists(ROOT.resolve("youtuvl/models/youtuvl-tokenizer.gguf"))) {
            out.add(load("youtuvl", "models/youtuvl-tokenizer.gguf", "manifest-tokenizer-excerpt.json"));
        }
        if (Files.exists(ROOT.resolve("qwen3vl/models/qwen3vl-tokenizer.gguf.gz"))) {
            out.add(load("qwen3vl", "models/qwen3vl-tokenizer.gguf.gz", "manifest-tokenizer-excerpt.json"));
        }
        return out;
    }

    static TokenizerOracle load(String family, String gguf, String manifest) {
        Path dir = ROOT.resolve(family);
        try {
            return new TokenizerOracle(family, dir.resolve(gguf), JSON.readTree(dir.resolve("tokenizer.json").toFile()).get("cases"),
                    JSON.readTree(dir.resolve(manifest).toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BpeTokenizer tokenizer() {
        return loaded().tokenizer();
    }

    /** The chat format detected from the GGUF's template. */
    ChatFormat chatFormat() {
        return loaded().chatFormat();
    }

    private Loaded loaded() {
        return LOADED.computeIfAbsent(family, f -> {
            try (GgufFile file = GgufFile.open(ggufFile())) {
                return new Loaded(BpeTokenizer.load(file), ChatFormat.detect(file.metadata(), file.path()));
            }
        });
    }

    /** The GGUF, unpacked to a temporary file first when it is stored gzipped to keep the repository small. */
    Path ggufFile() {
        if (!gguf.toString().endsWith(".gz")) return gguf;
        return UNPACKED.computeIfAbsent(family, f -> unpack());
    }

    private Path unpack() {
        try {
            Path tmp = Files.createTempFile("loupe-" + family + "-", ".gguf");
            tmp.toFile().deleteOnExit();
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gguf))) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<JsonNode> textCases() {
        return list(manifest.get("text_cases"));
    }

    List<JsonNode> imageCases() {
        return list(manifest.get("image_cases"));
    }

    static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    static int[] ints(JsonNode array) {
        return JSON.convertValue(array, int[].class);
    }

    @Override
    public String toString() {
        return family;
    }
}
