package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;

/**
 * Hyper-parameters of a CLIP-style vision tower from an mmproj GGUF ({@code clip.vision.*}).
 *
 * @param projector     {@code clip.projector_type}, e.g. idefics3
 * @param imageSize     side of the square input (and of each idefics3 tile)
 * @param patchSize     side of a patch
 * @param nEmbd         vision width
 * @param nFf           vision feed-forward width
 * @param nLayer        vision blocks
 * @param nHead         attention heads
 * @param eps           layer-norm epsilon
 * @param projectionDim text model width the projector outputs
 * @param scaleFactor   idefics3 pixel-shuffle factor (1 when absent)
 * @param mean          per-channel normalisation mean
 * @param std           per-channel normalisation std
 * @param longestEdge   idefics3 {@code preproc_image_size}; 0 when absent (no tiling)
 */
public record VisionConfig(String projector, int imageSize, int patchSize, int nEmbd, int nFf, int nLayer, int nHead,
                           float eps, int projectionDim, int scaleFactor, float[] mean, float[] std, int longestEdge) {

    public static VisionConfig from(GgufFile f) {
        GgufMetadata m = f.metadata();
        String p = "clip.vision.";
        float[] mean = m.floats(p + "image_mean");
        float[] std = m.floats(p + "image_std");
        if (mean.length < 3 || std.length < 3) throw new GgufFormatException(f.path(), "image_mean/image_std need 3 values");
        if (!m.bool("clip.use_gelu", false)) {
            throw new GgufFormatException(f.path(), "only GELU vision towers are supported (clip.use_gelu is not true)");
        }
        return new VisionConfig(
                m.string("clip.projector_type"),
                m.int32(p + "image_size"),
                m.int32(p + "patch_size"),
                m.int32(p + "embedding_length"),
                m.int32(p + "feed_forward_length"),
                m.int32(p + "block_count"),
                m.int32(p + "attention.head_count"),
                m.float32(p + "attention.layer_norm_epsilon", 1e-5f),
                m.int32(p + "projection_dim"),
                m.int32(p + "projector.scale_factor", 1),
                mean,
                std,
                m.int32(p + "preproc_image_size", 0));
    }

    /** Patches along one side of a square input. */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    public int headDim() {
        return nEmbd / nHead;
    }
}
