package dev.loupe.engine.vlm;

/**
 * A per-request cap on how much of an image the model sees, below what the loaded model (or
 * the job) allows: the user's speed/detail lever row by row. Each family takes its own kind:
 * <ul>
 *   <li>idefics3 (SmolVLM): the longest edge the image is scaled to before tiling; each 512-px
 *       step adds a row or column of tiles, each tile one vision-encoder pass;</li>
 *   <li>dynamic resolution (Qwen3-VL, Youtu-VL): the most tokens the image becomes; the image is scaled
 *       down (aspect kept) until it fits.</li>
 * </ul>
 * A cap above the model's (or job's) own setting changes nothing; a cap of the other kind is
 * refused for that request, naming the one the model takes.
 *
 * @param maxLongestEdge pixels, a positive multiple of the model's tile size; 0 for no cap
 * @param maxImageTokens tokens; 0 for no cap
 */
public record ImageLimits(int maxLongestEdge, int maxImageTokens) {
    /** No per-request cap: the model's (or job's) own resolution. */
    public static final ImageLimits NONE = new ImageLimits(0, 0);

    public ImageLimits {
        if (maxLongestEdge < 0) throw new IllegalArgumentException("max_longest_edge must be >= 0 (0: no cap), got " + maxLongestEdge);
        if (maxImageTokens < 0) throw new IllegalArgumentException("max_image_tokens must be >= 0 (0: no cap), got " + maxImageTokens);
    }

    public ImageLimits(int maxLongestEdge) {
        this(maxLongestEdge, 0);
    }

    /** The limits of a row whose cap column may be null (no cap). */
    public static ImageLimits ofLongestEdge(Integer maxLongestEdge) {
        return of(maxLongestEdge, null);
    }

    /** The limits of a row whose cap columns may be null (no cap). */
    public static ImageLimits of(Integer maxLongestEdge, Integer maxImageTokens) {
        int edge = maxLongestEdge == null ? 0 : maxLongestEdge, tokens = maxImageTokens == null ? 0 : maxImageTokens;
        return edge == 0 && tokens == 0 ? NONE : new ImageLimits(edge, tokens);
    }

    public boolean isNone() {
        return maxLongestEdge == 0 && maxImageTokens == 0;
    }
}
