package dev.loupe.engine.eval;

/**
 * One sample of referring expression segmentation (RES): the predicted mask's intersection and
 * union with the ground truth in pixels. A sample without a usable mask is a miss: IoU 0, and
 * for cIoU an empty prediction (intersection 0, union the ground truth's area), which is what an
 * empty predicted mask adds in LISA's and LAVT's evaluation loops.
 *
 * @param outcome what became of the prediction
 * @param overlap pixels in both masks and in either; for a miss, 0 and the ground truth's area
 *                (null when the ground truth itself is unusable)
 * @param problem why the sample was not scored, or null
 */
public record MaskResult(Outcome outcome, MaskOverlap overlap, String problem) {

    public static MaskResult scored(int[] truth, int[] predicted) {
        return new MaskResult(Outcome.SCORED, RleMasks.overlap(truth, predicted), null);
    }

    /** A miss on a sample whose ground truth is {@code truth} (null for {@link Outcome#BAD_TRUTH}). */
    public static MaskResult miss(Outcome outcome, int[] truth, String problem) {
        if (outcome == Outcome.SCORED) throw new IllegalArgumentException("a miss cannot be scored");
        return new MaskResult(outcome, truth == null ? null : new MaskOverlap(0, RleMasks.area(truth)), problem);
    }

    /** The IoU: the overlap's for a scored sample, 0 for a miss. */
    public double iou() {
        return outcome == Outcome.SCORED ? overlap.iou() : 0;
    }
}
