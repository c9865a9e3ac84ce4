package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufMetadata;

/**
 * Youtu-VL's preprocessing as llama.cpp runs it (mtmd's youtuvl preprocessor, spec §3.3): each
 * side is rounded up to a multiple of {@code patch * merge} (32) — a stretch, no padding, so
 * a small image is enlarged — and the image is only shrunk, in scale steps of 0.02 from 1.0
 * (float32 arithmetic, as the C++ loop), while its patch count exceeds the budget of
 * {@code maxTokens * merge²} patches. Then a Pillow bilinear resize into that size and the
 * mmproj's normalisation.
 *
 * <p>The token cap is the user's speed/accuracy lever for this family (llama.cpp's
 * {@code --image-max-tokens}); the default is llama.cpp's own, 62500 tokens: the encoder's
 * full-attention layers cost the square of the patch count, so large photos are expensive
 * on CPU unless capped.
 */
public final class YoutuVlPreprocessor {
    /** llama.cpp's image-token limit for youtuvl ({@code set_limit_image_tokens(1, 62500)}). */
    public static final int DEFAULT_MAX_TOKENS = 62500;
    private static final ResizeFilter FILTER = ResizeFilter.BILINEAR;

    private final int patch;
    private final int align;
    private final long maxPatches;
    private final float[][] normalized;

    /**
     * @param patchSize the ViT patch side (16)
     * @param merge     the merger's side (2): a token is {@code merge x merge} patches
     * @param maxTokens most image tokens an image may become
     */
    public YoutuVlPreprocessor(int patchSize, int merge, int maxTokens, float[] mean, float[] std) {
        if (maxTokens < 1) throw new IllegalArgumentException("the image token limit must be at least 1, got " + maxTokens);
        this.patch = patchSize;
        this.align = patchSize * merge;
        this.maxPatches = (long) maxTokens * merge * merge;
        this.normalized = Idefics3Preprocessor.normalizationTables(mean, std);
    }

    public static YoutuVlPreprocessor fromMetadata(GgufMetadata m, int maxTokens) {
        String p = "clip.vision.";
        return new YoutuVlPreprocessor(m.int32(p + "patch_size"), m.int32(p + "spatial_merge_size", 2), maxTokens,
                m.floats(p + "image_mean"), m.floats(p + "image_std"));
    }

    /** The size an image of {@code w x h} becomes: {width, height}, multiples of 32. */
    public int[] targetSize(int w, int h) {
        float scale = 1.0f;
        int tw = w, th = h;
        while (scale > 0.0f) {
            th = scaled(scale, h);
            tw = scaled(scale, w);
            if ((long) (th / patch) * (tw / patch) <= maxPatches) break;
            scale -= 0.02f;
        }
        return new int[] {tw, th};
    }

    /** {@code max(align, ceil(size * scale / align) * align)} in float, as mtmd's lambda. */
    private int scaled(float scale, int size) {
        float s = size * scale;
        return Math.max(align, (int) Math.ceil(s / align) * align);
    }

    /** The image resized to its target size and normalised. */
    public DynamicImage preprocess(RgbImage image) {
        int[] size = targetSize(image.width(), image.height());
        RgbImage resized = PillowResampler.resize(image, size[0], size[1], FILTER);
        int plane = size[0] * size[1];
        float[] chw = new float[3 * plane];
        byte[] rgb = resized.rgb();
        for (int i = 0; i < plane; i++) {
            chw[i] = normalized[0][rgb[3 * i] & 0xFF];
            chw[plane + i] = normalized[1][rgb[3 * i + 1] & 0xFF];
            chw[2 * plane + i] = normalized[2][rgb[3 * i + 2] & 0xFF];
        }
        return new DynamicImage(size[0], size[1], chw);
    }
}
