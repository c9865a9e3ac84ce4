package dev.loupe.job.report;

import dev.loupe.engine.task.Annotation;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * One scored sample of the eval job's output ({@code schemas/evaluation.avsc}) as the report
 * shows it. Boxes are x0, y0, x1, y1 in original-image pixels; a box or mask missing a part is
 * null (it cannot be drawn; the eval job calls such ground truth {@code bad_truth}).
 */
record EvaluationSample(String sampleId, String imageId, String split, String expression, Box truthBox, Box predictedBox,
                        String boxOutcome, Double boxIou, Boolean hit05, Boolean centreHit, String boxProblem, String answer,
                        Annotation.Mask truthMask, Annotation.Mask predictedMask, String maskOutcome, Double maskIou,
                        String maskProblem, String maskAnswer) {
    /** A box as the eval job writes it: doubles, exclusive ends. */
    record Box(double x0, double y0, double x1, double y1) {
        Annotation.Box drawn(String label) {
            return new Annotation.Box(label, (float) x0, (float) y0, (float) x1, (float) y1, null);
        }
    }

    /** What went wrong with a prediction, worst first: an answer that did not parse, a failed row, no prediction at all, a poor one. */
    private static final List<String> OUTCOME_ORDER = List.of("unparsed", "error", "missing", "scored");

    /**
     * Worst first: lowest IoU (a miss without a prediction is IoU 0), then among equal IoUs the
     * unparsed answers first, as the eval job counts them apart; then by sample id, so the same
     * output always gives the same page.
     */
    static final Comparator<EvaluationSample> WORST_FIRST = Comparator.comparingDouble(EvaluationSample::iou)
            .thenComparingInt(s -> OUTCOME_ORDER.indexOf(s.outcome()))
            .thenComparing(EvaluationSample::sampleId, Comparator.nullsLast(Comparator.naturalOrder()));

    static EvaluationSample fromAvro(GenericRecord r) {
        return new EvaluationSample(string(r, "sample_id"), string(r, "image_id"), string(r, "split"), string(r, "expression"),
                box(r, "truth_box"), box(r, "predicted_box"), string(r, "box_outcome"), (Double) r.get("box_iou"),
                (Boolean) r.get("hit_0_5"), (Boolean) r.get("centre_hit"), string(r, "box_problem"), string(r, "answer"),
                mask(r, "truth_mask", "truth"), mask(r, "predicted_mask", "prediction"), string(r, "mask_outcome"),
                (Double) r.get("mask_iou"), string(r, "mask_problem"), string(r, "mask_answer"));
    }

    /** Whether the sample is ranked by its box (REC); a sample without a box result by its mask (RES). */
    boolean rankedByBox() {
        return boxOutcome != null;
    }

    /** The outcome the sample is ranked by: the box's, else the mask's; null when neither was evaluated. */
    String outcome() {
        return rankedByBox() ? boxOutcome : maskOutcome;
    }

    /** The IoU the sample is ranked by; a miss has none written or 0, either way 0. */
    double iou() {
        Double v = rankedByBox() ? boxIou : maskIou;
        return v == null ? 0 : v;
    }

    /** Whether the sample counts in the metrics, and so can be a miss: evaluated, with usable ground truth. */
    boolean ranked() {
        String o = outcome();
        return o != null && OUTCOME_ORDER.contains(o);
    }

    /** The image size the sample's masks were made for (height, width agree with the image's), or null. */
    int[] maskSize() {
        for (Annotation.Mask m : new Annotation.Mask[] {truthMask, predictedMask}) {
            if (m != null && m.width() > 0 && m.height() > 0) return new int[] {m.width(), m.height()};
        }
        return null;
    }

    private static Box box(GenericRecord r, String field) {
        GenericRecord b = (GenericRecord) r.get(field);
        if (b == null) return null;
        Double x0 = (Double) b.get("x0"), y0 = (Double) b.get("y0"), x1 = (Double) b.get("x1"), y1 = (Double) b.get("y1");
        return x0 == null || y0 == null || x1 == null || y1 == null ? null : new Box(x0, y0, x1, y1);
    }

    private static Annotation.Mask mask(GenericRecord r, String field, String label) {
        GenericRecord m = (GenericRecord) r.get(field);
        if (m == null) return null;
        Integer height = (Integer) m.get("height"), width = (Integer) m.get("width");
        Object counts = m.get("counts");
        return height == null || width == null || counts == null ? null : new Annotation.Mask(label, height, width, counts.toString());
    }

    private static String string(GenericRecord r, String field) {
        Object v = r.get(field);
        return v == null ? null : v.toString(); // Avro strings are Utf8 unless told otherwise
    }
}
