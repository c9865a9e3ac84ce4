package dev.loupe.engine.vision;

import dev.loupe.engine.gguf.GgufMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * SmolVLM / Idefics3 image preprocessing as llama.cpp's mtmd does it (build 11669), all resizes
 * with Pillow's LANCZOS ({@link PillowResampler}):
 * <ol>
 *   <li>the original is resized, aspect ratio kept, so its longest edge is the model's
 *       {@code preproc_image_size} L; the other side is truncated, then rounded up to even
 *       (Hugging Face's {@code _resize_output_size_rescale_to_max_len}) — the "intermediate";</li>
 *   <li>the intermediate is stretched (no letterbox) to the refined size: both sides of
 *       {@code original * min(L / w, L / h)} rounded up to multiples of the tile size S
 *       ({@code image_size}), computed in float32 from the original as llama.cpp does;</li>
 *   <li>the refined image is cut into S x S tiles, row-major;</li>
 *   <li>the overview is the refined image resized to S x S;</li>
 *   <li>every byte becomes {@code (u / 255 - mean[c]) / std[c]} in float32, planar CHW.</li>
 * </ol>
 * This chain was established against the oracle's preprocessed pixels (exact for all six
 * cases); single-step resizes, BICUBIC/BILINEAR and the PAD_CEIL letterbox all miss by up to
 * 2.0 after normalisation. Without {@code preproc_image_size} (GGUFs converted before Sept
 * 2025) there is no refined image: the original is resized straight to the overview, which
 * is then the only encoder input.
 *
 * <p>Immutable and thread-safe; one instance serves every image of a model.
 */
public final class Idefics3Preprocessor {
    static final String KEY_PROJECTOR = "clip.projector_type";
    static final String KEY_IMAGE_SIZE = "clip.vision.image_size";
    static final String KEY_LONGEST_EDGE = "clip.vision.preproc_image_size";
    static final String KEY_MEAN = "clip.vision.image_mean";
    static final String KEY_STD = "clip.vision.image_std";

    static final ResizeFilter FILTER = ResizeFilter.LANCZOS;

    private final int tileSize;
    private final int longestEdge;
    private final float[][] normalized;

    /**
     * @param tileSize    the encoder's input size ({@code clip.vision.image_size})
     * @param longestEdge longest edge of the refined image, a multiple of {@code tileSize};
     *                    0 for no tiling (overview only)
     */
    public Idefics3Preprocessor(int tileSize, int longestEdge, float[] mean, float[] std) {
        if (tileSize <= 0) throw new IllegalArgumentException("tile size must be positive, got " + tileSize);
        if (longestEdge < 0) throw new IllegalArgumentException("longest edge must be >= 0, got " + longestEdge);
        this.tileSize = tileSize;
        this.longestEdge = longestEdge;
        this.normalized = normalizationTables(mean, std);
    }

    /** Per channel, the normalised value of each byte: {@code (u / 255 - mean) / std}. */
    static float[][] normalizationTables(float[] mean, float[] std) {
        if (mean.length < 3 || std.length < 3) {
            throw new IllegalArgumentException("image mean and std need 3 values, got " + mean.length + " and " + std.length);
        }
        float[][] normalized = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int u = 0; u < 256; u++) {
                // Same float32 expression as llama.cpp; a table makes it one load per byte.
                normalized[c][u] = ((float) u / 255.0f - mean[c]) / std[c];
            }
        }
        return normalized;
    }

    /** Preprocessing exactly as the mmproj's metadata asks for. */
    public static Idefics3Preprocessor fromMetadata(GgufMetadata metadata) {
        return fromMetadata(metadata, 0);
    }

    /**
     * Preprocessing of the mmproj, with the refined image's longest edge capped at
     * {@code maxLongestEdge} pixels (0: no cap). Capping trades detail for speed at scale: each
     * tile costs one encoder pass, and a cap of {@code k * image_size} limits an image to k x k
     * tiles. The cap must be a positive multiple of {@code image_size}, as the model's own value
     * is, so tiles still cover the refined image exactly. It never raises the model's value and
     * never turns tiling on for a model without {@code preproc_image_size}. With a cap in effect
     * the result is what llama.cpp gives for an mmproj whose {@code preproc_image_size} is the cap.
     */
    public static Idefics3Preprocessor fromMetadata(GgufMetadata metadata, int maxLongestEdge) {
        metadata.optString(KEY_PROJECTOR).ifPresent(p -> {
            if (!p.equals("idefics3")) {
                throw new IllegalArgumentException("mmproj projector is " + p + ", not idefics3: not a SmolVLM/Idefics3 model");
            }
        });
        int tile = metadata.int32(KEY_IMAGE_SIZE);
        int edge = metadata.int32(KEY_LONGEST_EDGE, 0);
        if (maxLongestEdge < 0 || (maxLongestEdge > 0 && maxLongestEdge % tile != 0)) {
            throw new IllegalArgumentException("maxLongestEdge " + maxLongestEdge + " must be 0 (no cap) or a positive multiple of the tile size " + tile);
        }
        if (maxLongestEdge > 0 && edge > maxLongestEdge) {
            edge = maxLongestEdge;
        }
        return new Idefics3Preprocessor(tile, Math.max(edge, 0), metadata.floats(KEY_MEAN), metadata.floats(KEY_STD));
    }

    public int tileSize() {
        return tileSize;
    }

    /** Longest edge of the refined image; 0 when the model does not tile. */
    public int longestEdge() {
        return longestEdge;
    }

    /**
     * The refined canvas for a {@code w x h} image: {width, height}, both multiples of the tile
     * size, or {0, 0} when the model does not tile.
     */
    public int[] refinedSize(int w, int h) {
        if (longestEdge <= 0) return new int[] {0, 0};
        float le = (float) longestEdge;
        float scale = Math.min(le / (float) w, le / (float) h);
        float s = (float) tileSize;
        int rw = (int) Math.ceil(((float) w * scale) / s) * tileSize;
        int rh = (int) Math.ceil(((float) h * scale) / s) * tileSize;
        return new int[] {rw, rh};
    }

    /**
     * Size of the aspect-preserving intermediate image: {width, height}, longest side
     * {@code longestEdge}, the other truncated then rounded up to even. Double precision and
     * truncation as in the Python reference, which llama.cpp's pixels agree with.
     */
    static int[] intermediateSize(int w, int h, int longestEdge) {
        double aspect = (double) w / h;
        int iw, ih;
        if (w >= h) {
            iw = longestEdge;
            ih = (int) (iw / aspect);
            if (ih % 2 != 0) ih++;
        } else {
            ih = longestEdge;
            iw = (int) (ih * aspect);
            if (iw % 2 != 0) iw++;
        }
        return new int[] {Math.max(iw, 1), Math.max(ih, 1)};
    }

    public PreprocessedImage preprocess(RgbImage image) {
        int[] refined = refinedSize(image.width(), image.height());
        int cols = refined[0] / tileSize;
        int rows = refined[1] / tileSize;
        if (cols == 0 || rows == 0) {
            RgbImage overview = PillowResampler.resize(image, tileSize, tileSize, FILTER);
            return new PreprocessedImage(tileSize, 0, 0, List.of(), toPlanar(overview, 0, 0));
        }
        int[] mid = intermediateSize(image.width(), image.height(), longestEdge);
        RgbImage intermediate = PillowResampler.resize(image, mid[0], mid[1], FILTER);
        RgbImage canvas = PillowResampler.resize(intermediate, refined[0], refined[1], FILTER);
        List<float[]> tiles = new ArrayList<>(cols * rows);
        for (int ty = 0; ty < rows; ty++) {
            for (int tx = 0; tx < cols; tx++) {
                tiles.add(toPlanar(canvas, tx * tileSize, ty * tileSize));
            }
        }
        RgbImage overview = PillowResampler.resize(canvas, tileSize, tileSize, FILTER);
        return new PreprocessedImage(tileSize, cols, rows, tiles, toPlanar(overview, 0, 0));
    }

    /** The tile whose top-left corner is {@code (x0, y0)}, normalised, planar CHW. */
    private float[] toPlanar(RgbImage img, int x0, int y0) {
        int plane = tileSize * tileSize;
        float[] out = new float[3 * plane];
        byte[] rgb = img.rgb();
        float[] r = normalized[0], g = normalized[1], b = normalized[2];
        for (int y = 0; y < tileSize; y++) {
            int p = 3 * ((y0 + y) * img.width() + x0);
            int o = y * tileSize;
            for (int x = 0; x < tileSize; x++, p += 3, o++) {
                out[o] = r[rgb[p] & 0xFF];
                out[plane + o] = g[rgb[p + 1] & 0xFF];
                out[2 * plane + o] = b[rgb[p + 2] & 0xFF];
            }
        }
        return out;
    }
}
