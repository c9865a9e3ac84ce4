package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.Qwen3VlEncoder;
import dev.loupe.engine.vision.Qwen3VlPreprocessor;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.Qwen3VlModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The qwen3vl family's oracle cases. The text model runs (tokenizer, F16 and Q4_K_M logits and
 * greedy continuations). For the image cases the vision side is checked on its own, as
 * "{@code imageN vision}": the dynamic-resolution preprocessing (pixels) and the vision tower's
 * output with its DeepStack features (image embeddings); then the whole case as
 * "{@code imageN}": token layout around the image, the position after the prompt (M-RoPE), prompt
 * logits and greedy continuation.
 */
final class Qwen3VlChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;
    private final List<Numerics> numerics;

    Qwen3VlChecker(ComputePool pool, List<Numerics> numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        new TextCases("qwen3vl", pool, numerics).run(dir, manifest, sink);
        for (Numerics n : numerics) {
            for (JsonNode c : manifest.path("image_cases")) {
                sink.accept(visionCase(dir, manifest, c, n));
                sink.accept(imageCase(dir, manifest, c, n));
            }
        }
        for (JsonNode c : manifest.path("quant_image_cases")) {
            sink.accept(CaseResult.skip("qwen3vl/" + c.get("id").asText(), "quantized-mmproj image cases are not checked for qwen3vl yet"));
        }
    }

    /** The whole image case: token layout around the image, prompt logits and greedy continuation. */
    private CaseResult imageCase(Path dir, JsonNode manifest, JsonNode c, Numerics n) {
        String name = TextCases.caseName("qwen3vl", c, n);
        Path text = TextCases.modelFile(dir, manifest, "text_f16");
        Path mmproj = TextCases.modelFile(dir, manifest, "mmproj_f16");
        Path imageFile = dir.resolveSibling("images").resolve(c.get("image").asText());
        for (Path p : List.of(text, mmproj, imageFile)) {
            if (!Files.isRegularFile(p)) return CaseResult.skip(name, "file absent: " + p);
        }
        try (Qwen3VlModel model = new Qwen3VlModel(GgufFile.open(text), GgufFile.open(mmproj), new ModelOptions(pool, 0, n))) {
            return ImagePromptCase.check(name, model, imageFile, c, dir.resolve("image").resolve(c.get("last_logits_file").asText()),
                    OracleCheck.tolerance(n, false));
        }
    }

    private CaseResult visionCase(Path dir, JsonNode manifest, JsonNode c, Numerics n) {
        String name = "qwen3vl/" + c.get("id").asText() + " vision" + (n == Numerics.FAST ? " [fast]" : "");
        Path mmproj = TextCases.modelFile(dir, manifest, "mmproj_f16");
        Path imageFile = dir.resolveSibling("images").resolve(c.get("image").asText());
        for (Path p : List.of(mmproj, imageFile)) {
            if (!Files.isRegularFile(p)) return CaseResult.skip(name, "file absent: " + p);
        }
        JsonNode chunk = null;
        for (JsonNode ch : c.get("chunks")) if (ch.get("type").asText().equals("image")) chunk = ch;
        if (chunk == null) return CaseResult.skip(name, "no image chunk");
        try {
            GgufFile f = GgufFile.open(mmproj);
            Qwen3VlPreprocessor pre = Qwen3VlPreprocessor.fromMetadata(f.metadata(), Qwen3VlPreprocessor.DEFAULT_MIN_TOKENS, Qwen3VlPreprocessor.DEFAULT_MAX_TOKENS);
            DynamicImage image = pre.preprocess(new ImageDecoder().decode(Files.readAllBytes(imageFile)));
            Diff pixels = Diff.of(image.chw(), FloatFiles.read(dir.resolve("image").resolve(chunk.get("preprocessed_file").asText())));
            if (pixels.maxAbs() > OracleCheck.PIXEL_TOLERANCE) return CaseResult.fail(name, "preprocessed pixels (" + image.width() + "x" + image.height() + ") " + pixels);
            Qwen3VlEncoder encoder = new Qwen3VlEncoder(f, pool, n);
            new ModelOptions(pool, 0, n).repackVision(encoder.weights()); // as a model's load does
            float[] embd = encoder.encode(image);
            Diff d = Diff.of(embd, FloatFiles.read(dir.resolve("image").resolve(chunk.get("embd_file").asText())));
            return CaseResult.check(name, d.within(OracleCheck.tolerance(n, false)),
                    String.format("pixels max|Δ| %.1g (%dx%d), embd %s", pixels.maxAbs(), image.width(), image.height(), d));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
