package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufMetadata;

/**
 * Qwen3-VL's dynamic-resolution preprocessing (mtmd's {@code dyn_size} preprocessor, spec §3.3):
 * the image keeps its aspect ratio and roughly its size, snapped to a multiple of
 * {@code patch * merge} (32) per side and held between a minimum and maximum number of image
 * tokens; it is resized with Pillow's bicubic filter into that canvas (letterboxed, black
 * borders) and normalised. One image is one encoder input of {@code (W/32) x (H/32)} tokens.
 *
 * <p>The token limits are the user's speed/accuracy lever for this family (llama.cpp's
 * {@code --image-min-tokens} / {@code --image-max-tokens}); the defaults are the model's own,
 * 8 and 4096.
 */
public final class Qwen3VlPreprocessor {
    public static final int DEFAULT_MIN_TOKENS = 8;
    public static final int DEFAULT_MAX_TOKENS = 4096;
    private static final ResizeFilter FILTER = ResizeFilter.BICUBIC;

    private final int factor;
    private final long minPixels;
    private final long maxPixels;
    private final float[][] normalized;

    /**
     * @param patchSize  the ViT patch side (16)
     * @param merge      the merger's side (2): tokens are {@code merge x merge} patches
     * @param minTokens  fewest image tokens an image may become
     * @param maxTokens  most image tokens an image may become
     */
    public Qwen3VlPreprocessor(int patchSize, int merge, int minTokens, int maxTokens, float[] mean, float[] std) {
        if (minTokens < 1 || maxTokens < minTokens) {
            throw new IllegalArgumentException("image token limits must satisfy 1 <= min <= max, got min " + minTokens + ", max " + maxTokens);
        }
        this.factor = patchSize * merge;
        this.minPixels = (long) minTokens * factor * factor;
        this.maxPixels = (long) maxTokens * factor * factor;
        this.normalized = Idefics3Preprocessor.normalizationTables(mean, std);
    }

    public static Qwen3VlPreprocessor fromMetadata(GgufMetadata m, int minTokens, int maxTokens) {
        String p = "clip.vision.";
        return new Qwen3VlPreprocessor(m.int32(p + "patch_size"), m.int32(p + "spatial_merge_size", 2), minTokens, maxTokens,
                m.floats(p + "image_mean"), m.floats(p + "image_std"));
    }

    /**
     * The canvas an image of {@code w x h} becomes: {width, height}, multiples of the factor.
     * Float32 arithmetic and {@code std::round} (half away from zero), as mtmd computes it.
     */
    public int[] targetSize(int w, int h) {
        float f = factor;
        // std::round of a positive float: half away from zero, which Math.round is for positives.
        long hb = Math.max(factor, (long) Math.round((float) h / f) * factor);
        long wb = Math.max(factor, (long) Math.round((float) w / f) * factor);
        if (hb * wb > maxPixels) {
            float beta = (float) Math.sqrt((float) h * (float) w / (float) maxPixels);
            hb = Math.max(factor, (long) Math.floor((float) h / beta / f) * factor);
            wb = Math.max(factor, (long) Math.floor((float) w / beta / f) * factor);
        } else if (hb * wb < minPixels) {
            float beta = (float) Math.sqrt((float) minPixels / ((float) h * (float) w));
            hb = (long) Math.ceil((float) h * beta / f) * factor;
            wb = (long) Math.ceil((float) w * beta / f) * factor;
        }
        return new int[] {(int) wb, (int) hb};
    }

    /** The image resized into its canvas and normalised. */
    public DynamicImage preprocess(RgbImage image) {
        int[] size = targetSize(image.width(), image.height());
        RgbImage canvas = Letterbox.apply(image, size[0], size[1], FILTER);
        int plane = size[0] * size[1];
        float[] chw = new float[3 * plane];
        byte[] rgb = canvas.rgb();
        for (int i = 0; i < plane; i++) {
            chw[i] = normalized[0][rgb[3 * i] & 0xFF];
            chw[plane + i] = normalized[1][rgb[3 * i + 1] & 0xFF];
            chw[2 * plane + i] = normalized[2][rgb[3 * i + 2] & 0xFF];
        }
        return new DynamicImage(size[0], size[1], chw);
    }
}
