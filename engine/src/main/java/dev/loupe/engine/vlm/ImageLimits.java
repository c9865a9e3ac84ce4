package dev.loupe.engine.vlm;

/**
 * A per-request cap on how much of an image the model sees, below what the loaded model (or
 * the job) allows: the user's speed/detail lever row by row. For idefics3 (SmolVLM) the longest
 * edge the image is scaled to before tiling: each 512-px step of it adds a row or column of
 * tiles, each tile one vision-encoder pass. A cap above the model's own setting changes nothing.
 *
 * @param maxLongestEdge pixels, a positive multiple of the model's tile size; 0 for no cap
 */
public record ImageLimits(int maxLongestEdge) {
    /** No per-request cap: the model's (or job's) own resolution. */
    public static final ImageLimits NONE = new ImageLimits(0);

    public ImageLimits {
        if (maxLongestEdge < 0) throw new IllegalArgumentException("max_longest_edge must be >= 0 (0: no cap), got " + maxLongestEdge);
    }

    /** The limits of a row whose cap column may be null (no cap). */
    public static ImageLimits ofLongestEdge(Integer maxLongestEdge) {
        return maxLongestEdge == null || maxLongestEdge == 0 ? NONE : new ImageLimits(maxLongestEdge);
    }

    public boolean isNone() {
        return maxLongestEdge == 0;
    }
}
