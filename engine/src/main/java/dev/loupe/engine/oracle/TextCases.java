package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.text.BpeTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A family's text-only oracle cases, the same for every family: tokenizer ids, then the last
 * prompt position's logits and the greedy continuation of the F16 text model ({@code text_cases})
 * and of its quantized variants ({@code quant_text_cases}), once per requested numerics.
 */
final class TextCases {
    private final String family;
    private final ComputePool pool;
    private final List<Numerics> numerics;

    TextCases(String family, ComputePool pool, List<Numerics> numerics) {
        this.family = family;
        this.pool = pool;
        this.numerics = numerics;
    }

    void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        Map<String, GgufFile> opened = new HashMap<>();
        try {
            tokenizerCases(dir, manifest, sink, opened);
            for (Numerics n : numerics) {
                for (JsonNode c : manifest.path("text_cases")) {
                    sink.accept(textCase(dir, manifest, c, "text_f16", dir.resolve("text"), opened, n));
                }
                for (JsonNode c : manifest.path("quant_text_cases")) {
                    sink.accept(textCase(dir, manifest, c, c.get("model").asText(), dir.resolve("quant"), opened, n));
                }
            }
        } finally {
            opened.values().forEach(GgufFile::close);
        }
    }

    /** "family/id", with " [fast]" for a FAST run. */
    static String caseName(String family, JsonNode c, Numerics n) {
        return family + "/" + c.get("id").asText() + (n == Numerics.FAST ? " [fast]" : "");
    }

    private void tokenizerCases(Path dir, JsonNode manifest, Consumer<CaseResult> sink, Map<String, GgufFile> opened) {
        Path file = modelFile(dir, manifest, "text_f16");
        Path cases = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file) || !Files.isRegularFile(cases)) {
            sink.accept(CaseResult.skip(family + "/tokenizer", "tokenizer.json or the text model is absent"));
            return;
        }
        BpeTokenizer tokenizer = BpeTokenizer.load(opened.computeIfAbsent("text_f16", k -> GgufFile.open(file)));
        JsonNode root = OracleCheck.readJson(cases);
        JsonNode list = root.isArray() ? root : root.path("cases");
        int total = 0, wrong = 0;
        String firstWrong = null;
        for (JsonNode c : list) {
            String text = c.get("text").asText();
            var fields = c.get("ids").fields();
            while (fields.hasNext()) {
                var e = fields.next();
                boolean addSpecial = e.getKey().contains("add_special=true");
                boolean parseSpecial = e.getKey().contains("parse_special=true");
                int[] expected = OracleCheck.ints(e.getValue());
                total++;
                if (!Arrays.equals(expected, tokenizer.encode(text, addSpecial, parseSpecial))) {
                    wrong++;
                    if (firstWrong == null) firstWrong = "'" + text + "' " + e.getKey();
                }
            }
        }
        sink.accept(CaseResult.check(family + "/tokenizer", wrong == 0 && total > 0,
                (total - wrong) + "/" + total + " id sequences exact" + (firstWrong == null ? "" : ", first mismatch: " + firstWrong)));
    }

    private CaseResult textCase(Path dir, JsonNode manifest, JsonNode c, String modelKey, Path outputs, Map<String, GgufFile> opened,
                                Numerics n) {
        String name = caseName(family, c, n);
        Path file = modelFile(dir, manifest, modelKey);
        if (!Files.isRegularFile(file)) return CaseResult.skip(name, "model file absent: " + dir.relativize(file));
        String unsupported = unsupportedType(manifest.get("models").get(modelKey));
        if (unsupported != null) return CaseResult.skip(name, unsupported);
        GgufFile gguf = opened.computeIfAbsent(modelKey, k -> GgufFile.open(file));
        TextDecoder decoder = TextDecoders.open(gguf, pool, n);
        int[] tokens = OracleCheck.ints(c.get("tokens"));
        float[] x = new float[tokens.length * decoder.embeddingLength()];
        decoder.embed(tokens, 0, tokens.length, x, 0);
        KvCache cache = decoder.newCache(tokens.length + 32);
        float[] logits = decoder.forward(x, tokens.length, cache, false);
        double tolerance = OracleCheck.tolerance(n, !modelKey.equals("text_f16"));
        return logitsAndGreedy(name, decoder, cache, logits, outputs.resolve(c.get("last_logits_file").asText()), c.get("greedy"), "", tolerance);
    }

    static CaseResult logitsAndGreedy(String name, TextDecoder decoder, KvCache cache, float[] logits, Path reference,
                                              JsonNode greedy, String prefix, double tolerance) {
        Diff diff = Diff.of(logits, FloatFiles.read(reference));
        if (!diff.within(tolerance)) return CaseResult.fail(name, prefix + "logits " + diff);
        int[] compared = new int[1];
        String mismatch = GreedyCheck.run(decoder, cache, logits, greedy, diff.maxAbs(), compared);
        String detail = prefix + "logits " + diff + ", greedy " + compared[0] + "/" + greedy.size();
        return mismatch == null ? CaseResult.pass(name, detail) : CaseResult.fail(name, detail + ": " + mismatch);
    }

    static Path modelFile(Path dir, JsonNode manifest, String key) {
        return dir.resolve(manifest.get("models").get(key).get("file").asText());
    }

    static String unsupportedType(JsonNode model) {
        for (JsonNode t : model.get("tensors")) {
            GgmlType type = GgmlType.valueOf(t.get(1).asText());
            if (!Kernels.supports(type)) return "needs the " + type + " kernel";
        }
        return null;
    }
}
