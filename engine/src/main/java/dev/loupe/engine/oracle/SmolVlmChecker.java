package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.PreprocessedImage;
import dev.loupe.engine.vision.RgbImage;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.PromptSegment;
import dev.loupe.engine.vlm.SmolVlmModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The smolvlm family's oracle cases: tokenizer ids, text logits and greedy continuations
 * (F16 and quantized text models), and image cases end to end — decoded and preprocessed
 * pixels, image embeddings per tile, the token layout around them, prompt logits and greedy
 * continuations (F16 and Q8_0 mmproj).
 */
final class SmolVlmChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;
    private final List<Numerics> numerics;

    SmolVlmChecker(ComputePool pool, List<Numerics> numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        new TextCases("smolvlm", pool, numerics).run(dir, manifest, sink);
        for (Numerics n : numerics) {
            for (JsonNode c : manifest.path("image_cases")) sink.accept(imageCase(dir, manifest, c, "mmproj_f16", dir.resolve("image"), n));
            for (JsonNode c : manifest.path("quant_image_cases")) {
                sink.accept(imageCase(dir, manifest, c, c.get("mmproj").asText(), dir.resolve("quant"), n));
            }
        }
    }

    private CaseResult imageCase(Path dir, JsonNode manifest, JsonNode c, String mmprojKey, Path outputs, Numerics n) {
        String name = TextCases.caseName("smolvlm", c, n);
        Path text = TextCases.modelFile(dir, manifest, "text_f16");
        Path mmproj = TextCases.modelFile(dir, manifest, mmprojKey);
        Path imageFile = dir.resolveSibling("images").resolve(c.get("image").asText());
        for (Path p : List.of(text, mmproj, imageFile)) {
            if (!Files.isRegularFile(p)) return CaseResult.skip(name, "file absent: " + p);
        }
        String unsupported = TextCases.unsupportedType(manifest.get("models").get(mmprojKey));
        if (unsupported != null) return CaseResult.skip(name, unsupported);
        try (SmolVlmModel model = new SmolVlmModel(GgufFile.open(text), GgufFile.open(mmproj), new ModelOptions(pool, 0, n))) {
            RgbImage rgb = new ImageDecoder().decode(Files.readAllBytes(imageFile));
            PreprocessedImage pre = model.preprocessor().preprocess(rgb);
            List<float[]> inputs = pre.encoderInputs();
            List<float[]> embedded = model.embed(pre);
            List<JsonNode> imageChunks = new java.util.ArrayList<>();
            for (JsonNode ch : c.get("chunks")) if (ch.get("type").asText().equals("image")) imageChunks.add(ch);
            if (imageChunks.size() != inputs.size()) {
                return CaseResult.fail(name, inputs.size() + " encoder inputs (grid " + pre.gridCols() + "x" + pre.gridRows() + "), llama.cpp made " + imageChunks.size());
            }
            double pixels = 0;
            Diff worstEmbd = null;
            for (int i = 0; i < inputs.size(); i++) {
                JsonNode ch = imageChunks.get(i);
                // Preprocessed pixels are mmproj-independent and stored with the F16 cases.
                Diff px = Diff.of(inputs.get(i), FloatFiles.read(dir.resolve("image").resolve(ch.get("preprocessed_file").asText())));
                pixels = Math.max(pixels, px.maxAbs());
                String embdFile = outputs == dir.resolve("image") ? ch.get("embd_file").asText()
                        : c.get("id").asText() + ".img" + i + ".embd.bin";
                Diff d = Diff.of(embedded.get(i), FloatFiles.read(outputs.resolve(embdFile)));
                if (worstEmbd == null || d.relative() > worstEmbd.relative()) worstEmbd = d;
            }
            if (pixels > OracleCheck.PIXEL_TOLERANCE) return CaseResult.fail(name, "preprocessed pixels max|Δ| " + pixels);
            double tolerance = OracleCheck.tolerance(n, !mmprojKey.equals("mmproj_f16"));
            if (!worstEmbd.within(tolerance)) return CaseResult.fail(name, "embeddings " + worstEmbd);

            List<PromptSegment> prompt = model.prompt(pre, embedded, c.get("prompt").asText());
            String layout = compareLayout(prompt, c.get("chunks"));
            if (layout != null) return CaseResult.fail(name, "token layout: " + layout);
            TextDecoder decoder = model.decoder();
            int positions = prompt.stream().mapToInt(PromptSegment::length).sum();
            KvCache cache = decoder.newCache(positions + 32);
            float[] logits = model.generator().prefill(prompt, cache);
            String prefix = String.format("pixels max|Δ| %.1g, embd %.2e rel, ", pixels, worstEmbd.relative());
            return TextCases.logitsAndGreedy(name, decoder, cache, logits, outputs.resolve(c.get("last_logits_file").asText()), c.get("greedy"), prefix, tolerance);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Null when our segments carry exactly llama.cpp's text chunks and image chunk sizes. */
    static String compareLayout(List<PromptSegment> prompt, JsonNode chunks) {
        if (prompt.size() != chunks.size()) return prompt.size() + " chunks, llama.cpp " + chunks.size();
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode ch = chunks.get(i);
            PromptSegment s = prompt.get(i);
            if (ch.get("type").asText().equals("text")) {
                int[] expected = OracleCheck.ints(ch.get("tokens"));
                if (!(s instanceof PromptSegment.Text t) || !Arrays.equals(t.tokens(), expected)) {
                    return "chunk " + i + " expected text " + Arrays.toString(expected);
                }
            } else if (!(s instanceof PromptSegment.Embeddings m) || m.count() != ch.get("n_tokens").asInt()) {
                return "chunk " + i + " expected " + ch.get("n_tokens").asInt() + " image tokens";
            }
        }
        return null;
    }
}
