package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vlm.DynamicResolutionModel;
import dev.loupe.engine.vlm.PromptSegment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One whole image case of a dynamic-resolution family (Qwen3-VL, Youtu-VL): the token layout
 * around the image, the position after the prompt, prompt logits and greedy continuation.
 */
final class ImagePromptCase {
    private ImagePromptCase() {}

    /** Checks case {@code c} of the manifest with {@code model}; {@code reference} holds llama.cpp's prompt logits. */
    static CaseResult check(String name, DynamicResolutionModel model, Path imageFile, JsonNode c, Path reference, double tolerance) {
        try {
            DynamicImage image = model.preprocess(new ImageDecoder().decode(Files.readAllBytes(imageFile)));
            List<PromptSegment> prompt = model.prompt(image, model.embed(image), c.get("prompt").asText());
            String layout = SmolVlmChecker.compareLayout(prompt, c.get("chunks"));
            if (layout != null) return CaseResult.fail(name, "token layout: " + layout);
            TextDecoder decoder = model.decoder();
            KvCache cache = decoder.newCache(prompt.stream().mapToInt(PromptSegment::length).sum() + 32);
            float[] logits = model.generator().prefill(prompt, cache);
            int expectedPast = c.get("n_past_after_prompt").asInt();
            if (cache.nextPosition() != expectedPast) {
                return CaseResult.fail(name, "the prompt ends at position " + cache.nextPosition() + ", llama.cpp's at " + expectedPast);
            }
            return TextCases.logitsAndGreedy(name, decoder, cache, logits, reference, c.get("greedy"), "", tolerance);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
