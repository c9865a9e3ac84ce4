package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The smolvlm family's oracle cases: text logits and greedy continuations, F16 and quantized. */
final class SmolVlmChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;

    SmolVlmChecker(ComputePool pool) {
        this.pool = pool;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        Map<String, GgufFile> opened = new HashMap<>();
        try {
            for (JsonNode c : manifest.path("text_cases")) {
                sink.accept(textCase(dir, manifest, c, "text_f16", dir.resolve("text"), opened));
            }
            for (JsonNode c : manifest.path("quant_text_cases")) {
                sink.accept(textCase(dir, manifest, c, c.get("model").asText(), dir.resolve("quant"), opened));
            }
        } finally {
            opened.values().forEach(GgufFile::close);
        }
    }

    private CaseResult textCase(Path dir, JsonNode manifest, JsonNode c, String modelKey, Path outputs, Map<String, GgufFile> opened) {
        String name = "smolvlm/" + c.get("id").asText();
        JsonNode model = manifest.get("models").get(modelKey);
        Path file = dir.resolve(model.get("file").asText());
        if (!Files.isRegularFile(file)) return CaseResult.skip(name, "model file absent: " + dir.relativize(file));
        for (JsonNode t : model.get("tensors")) {
            GgmlType type = GgmlType.valueOf(t.get(1).asText());
            if (!Kernels.supports(type)) return CaseResult.skip(name, "needs the " + type + " kernel");
        }
        GgufFile gguf = opened.computeIfAbsent(modelKey, k -> GgufFile.open(file));
        TextDecoder decoder = TextDecoders.open(gguf, pool);
        int[] tokens = OracleCheck.ints(c.get("tokens"));
        float[] x = new float[tokens.length * decoder.embeddingLength()];
        decoder.embed(tokens, 0, tokens.length, x, 0);
        KvCache cache = decoder.newCache(tokens.length + 32);
        float[] logits = decoder.forward(x, tokens.length, cache, false);
        Diff diff = Diff.of(logits, FloatFiles.read(outputs.resolve(c.get("last_logits_file").asText())));
        if (!diff.within(OracleCheck.RELATIVE_TOLERANCE)) return CaseResult.fail(name, "logits " + diff);
        int[] compared = new int[1];
        String mismatch = GreedyCheck.run(decoder, cache, logits, c.get("greedy"), diff.maxAbs(), compared);
        String detail = "logits " + diff + ", greedy " + compared[0] + "/" + c.get("greedy").size() + " steps";
        return mismatch == null ? CaseResult.pass(name, detail) : CaseResult.fail(name, detail + ": " + mismatch);
    }
}
