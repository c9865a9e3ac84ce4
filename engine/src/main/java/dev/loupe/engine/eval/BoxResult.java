package dev.loupe.engine.eval;

/**
 * One sample of referring expression comprehension (REC), scored as lmms-eval scores RefCOCO:
 * the IoU of the predicted box with the ground truth, a hit at a threshold when
 * {@code iou >= threshold}, and a centre hit when the predicted box's centre lies in the ground
 * truth. A sample without a usable prediction is a miss with IoU 0 and no centre hit; its
 * {@link #outcome()} says which kind. (lmms-eval reads an unparsable answer as the box
 * {@code [0, 0, 0, 0]}: IoU 0 too, but a centre "hit" whenever the ground truth touches the
 * image's top-left corner; Loupe counts it a miss.)
 *
 * @param outcome   what became of the prediction
 * @param iou       the IoU, 0 unless {@link Outcome#SCORED}
 * @param centreHit whether the predicted box's centre lies in the ground truth box
 * @param problem   why the sample was not scored (the row's error, what did not parse...), or null
 */
public record BoxResult(Outcome outcome, double iou, boolean centreHit, String problem) {
    /** lmms-eval's RefCOCO thresholds (ACC@0.1 ... ACC@0.9); ACC@0.5 is the number papers report. */
    public static final double[] THRESHOLDS = {0.1, 0.3, 0.5, 0.7, 0.9};

    public static BoxResult scored(PixelBox truth, PixelBox predicted) {
        return new BoxResult(Outcome.SCORED, truth.iou(predicted), truth.containsCentreOf(predicted), null);
    }

    public static BoxResult miss(Outcome outcome, String problem) {
        if (outcome == Outcome.SCORED) throw new IllegalArgumentException("a miss cannot be scored");
        return new BoxResult(outcome, 0, false, problem);
    }

    /** Whether the sample is a hit at {@code threshold} (IoU at or above it). */
    public boolean hitAt(double threshold) {
        return outcome == Outcome.SCORED && iou >= threshold;
    }
}
