package dev.loupe.engine.eval;

/**
 * How a predicted mask and a ground-truth mask overlap, in pixels.
 *
 * @param intersection pixels in both
 * @param union        pixels in either
 */
public record MaskOverlap(long intersection, long union) {

    /**
     * Intersection over union. Two empty masks agree (1.0), as LISA's evaluation scores a
     * "no-object target" ({@code acc_iou[union == 0] += 1.0}); RefCOCO's targets are never empty.
     */
    public double iou() {
        return union == 0 ? 1.0 : (double) intersection / union;
    }
}
