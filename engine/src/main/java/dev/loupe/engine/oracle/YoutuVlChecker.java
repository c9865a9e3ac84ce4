package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.YoutuVlEncoder;
import dev.loupe.engine.vision.YoutuVlPreprocessor;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.YoutuVlModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The youtuvl family's oracle cases. The text model (deepseek2 with multi-head latent
 * attention): tokenizer, F16 and quantized logits and greedy continuations. Each image case is
 * checked twice: "{@code imageN vision}", the preprocessing (pixels) and the vision tower's
 * output (image embeddings) on their own; "{@code imageN}", the whole case — token layout around
 * the image, the position after the prompt, prompt logits and greedy continuation. The
 * quantized-mmproj case runs the same with the Q8_0 mmproj.
 */
final class YoutuVlChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;
    private final List<Numerics> numerics;

    YoutuVlChecker(ComputePool pool, List<Numerics> numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        new TextCases("youtuvl", pool, numerics).run(dir, manifest, sink);
        for (Numerics n : numerics) {
            for (JsonNode c : manifest.path("image_cases")) {
                sink.accept(visionCase(dir, manifest, c, "mmproj_f16", dir.resolve("image"), n));
                sink.accept(imageCase(dir, manifest, c, "mmproj_f16", dir.resolve("image"), n));
            }
            for (JsonNode c : manifest.path("quant_image_cases")) {
                String mmproj = c.path("mmproj").asText("mmproj_q8_0");
                sink.accept(visionCase(dir, manifest, c, mmproj, dir.resolve("quant"), n));
                sink.accept(imageCase(dir, manifest, c, mmproj, dir.resolve("quant"), n));
            }
        }
    }

    /** The whole image case: token layout around the image, prompt logits and greedy continuation. */
    private CaseResult imageCase(Path dir, JsonNode manifest, JsonNode c, String mmprojKey, Path outputs, Numerics n) {
        String name = TextCases.caseName("youtuvl", c, n);
        Path text = TextCases.modelFile(dir, manifest, "text_f16");
        Path mmproj = TextCases.modelFile(dir, manifest, mmprojKey);
        Path imageFile = dir.resolveSibling("images").resolve(c.get("image").asText());
        for (Path p : List.of(text, mmproj, imageFile)) {
            if (!Files.isRegularFile(p)) return CaseResult.skip(name, "file absent: " + p);
        }
        try (YoutuVlModel model = new YoutuVlModel(GgufFile.open(text), GgufFile.open(mmproj), new ModelOptions(pool, 0, n))) {
            return ImagePromptCase.check(name, model, imageFile, c, outputs.resolve(c.get("last_logits_file").asText()),
                    OracleCheck.tolerance(n, !mmprojKey.equals("mmproj_f16")));
        }
    }

    /** Pixels and image embeddings of the case's one image chunk. */
    private CaseResult visionCase(Path dir, JsonNode manifest, JsonNode c, String mmprojKey, Path outputs, Numerics n) {
        String name = "youtuvl/" + c.get("id").asText() + " vision" + (n == Numerics.FAST ? " [fast]" : "");
        Path mmproj = TextCases.modelFile(dir, manifest, mmprojKey);
        Path imageFile = dir.resolveSibling("images").resolve(c.get("image").asText());
        for (Path p : List.of(mmproj, imageFile)) {
            if (!Files.isRegularFile(p)) return CaseResult.skip(name, "file absent: " + p);
        }
        JsonNode chunk = null;
        for (JsonNode ch : c.get("chunks")) if (ch.get("type").asText().equals("image")) chunk = ch;
        if (chunk == null) return CaseResult.skip(name, "no image chunk");
        try (GgufFile f = GgufFile.open(mmproj)) {
            YoutuVlPreprocessor pre = YoutuVlPreprocessor.fromMetadata(f.metadata(), YoutuVlPreprocessor.DEFAULT_MAX_TOKENS);
            DynamicImage image = pre.preprocess(new ImageDecoder().decode(Files.readAllBytes(imageFile)));
            // The quantized case names image0's pixels (same image, same preprocessing) relative to its folder.
            Path pixelsFile = outputs.resolve(chunk.path("preprocessed_file").asText("absent"));
            String pixelDetail = "";
            if (Files.isRegularFile(pixelsFile)) {
                Diff pixels = Diff.of(image.chw(), FloatFiles.read(pixelsFile));
                if (pixels.maxAbs() > OracleCheck.PIXEL_TOLERANCE) {
                    return CaseResult.fail(name, "preprocessed pixels (" + image.width() + "x" + image.height() + ") " + pixels);
                }
                pixelDetail = String.format("pixels max|Δ| %.1g (%dx%d), ", pixels.maxAbs(), image.width(), image.height());
            }
            YoutuVlEncoder encoder = new YoutuVlEncoder(f, pool, n);
            new ModelOptions(pool, 0, n).repackVision(encoder.weights()); // as a model's load does
            float[] embd = encoder.encode(image);
            Diff d = Diff.of(embd, FloatFiles.read(outputs.resolve(chunk.get("embd_file").asText())));
            boolean quantized = !mmprojKey.equals("mmproj_f16");
            return CaseResult.check(name, d.within(OracleCheck.tolerance(n, quantized)), pixelDetail + "embd " + d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
