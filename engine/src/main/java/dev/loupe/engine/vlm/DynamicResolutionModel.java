package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.RgbImage;
import java.util.List;

/**
 * A family that encodes an image at about its own size as one grid of tokens (Qwen3-VL,
 * Youtu-VL): the steps of an image prompt, each on its own, for the oracle checks and tests.
 */
public interface DynamicResolutionModel extends BatchableAnnotator {
    /** The image as the encoder sees it, within the model's (or job's) image-token limits. */
    DynamicImage preprocess(RgbImage image);

    /** The image tokens' inputs, row-major over the token grid. */
    float[] embed(DynamicImage image);

    /** The full prompt for one user message about the image, in mtmd's chunks. */
    List<PromptSegment> prompt(DynamicImage image, float[] embedded, String userText);

    TextDecoder decoder();

    /** One user message about one image, generated: preprocessing, encoding and prompt as above. */
    default Generation generate(RgbImage image, String userText, GenerationSettings settings) {
        DynamicImage pre = preprocess(image);
        return generator().generate(prompt(pre, embed(pre), userText), settings);
    }
}
