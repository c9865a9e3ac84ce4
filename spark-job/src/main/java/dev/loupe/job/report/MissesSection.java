package dev.loupe.job.report;

import dev.loupe.engine.task.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation's worst samples, one card each: the image with the ground truth (green) and the
 * prediction (red) drawn over it — boxes, and masks where the sample has them — beside the
 * expression, the model's raw answer, the IoU and, for a miss without a prediction, why
 * (unparsed in amber, a failed row or a missing prediction in red).
 */
final class MissesSection implements ReportSection {
    private final List<EvaluationSample> worst;
    private final long ranked;
    private final Map<String, int[]> runSizes;
    private final ImageFigures figures;

    /**
     * @param worst    the samples to show, worst first
     * @param ranked   how many samples they were chosen from
     * @param runSizes image sizes by sample id from the eval run's annotate rows ({@link ImageSizes})
     */
    MissesSection(List<EvaluationSample> worst, long ranked, Map<String, int[]> runSizes, ImageFigures figures) {
        this.worst = worst;
        this.ranked = ranked;
        this.runSizes = runSizes;
        this.figures = figures;
    }

    /** Samples whose image could not be shown (known once rendered). */
    int missingImages() {
        return figures.missing();
    }

    @Override
    public String id() {
        return "worst-misses";
    }

    @Override
    public String title() {
        return "Worst misses";
    }

    @Override
    public void render(Html html) {
        html.raw("<p class=\"intro\">").text(String.format(Locale.ROOT, "The %d samples with the lowest IoU of the %,d the metrics count, worst first "
                + "(a miss without a prediction is IoU 0; unparsed answers first among equals). Ground truth in green, the prediction in red.",
                worst.size(), ranked)).raw("</p>");
        for (EvaluationSample s : worst) card(html, s);
    }

    /** The overlays of a sample: ground truth under the prediction, so a prediction that matches still shows. */
    static List<Overlay> overlays(EvaluationSample s) {
        List<Annotation.Box> truthBoxes = s.truthBox() == null ? List.of() : List.of(s.truthBox().drawn("truth"));
        List<Annotation.Box> predictedBoxes = s.predictedBox() == null ? List.of() : List.of(s.predictedBox().drawn("prediction"));
        List<Overlay> layers = new ArrayList<>();
        layers.add(Overlay.truth(truthBoxes, s.truthMask() == null ? List.of() : List.of(s.truthMask())));
        layers.add(new Overlay(Overlay.Role.PREDICTION, null, predictedBoxes, null, s.predictedMask() == null ? List.of() : List.of(s.predictedMask()),
                null).inColor(Overlay.PREDICTION_COLOR));
        return layers;
    }

    /** The frame: the masks' size, else the run's annotate row's, else (0, 0) for the image's own. */
    private int[] size(EvaluationSample s) {
        int[] size = s.maskSize();
        if (size == null) size = runSizes.get(s.sampleId());
        return size == null ? new int[] {0, 0} : size;
    }

    private void card(Html html, EvaluationSample s) {
        String outcome = s.outcome();
        String marks = switch (outcome) {
            case "unparsed" -> " has-parse-error";
            case "error", "missing" -> " has-error";
            default -> "";
        };
        html.raw("<article class=\"row miss" + marks + "\">");
        int[] size = size(s);
        figures.write(html, s.imageId(), size[0], size[1], overlays(s));
        html.raw("<div class=\"details\">");
        html.raw("<h3 title=\"").text(s.imageId()).raw("\">").text(s.sampleId() == null ? "(no sample_id)" : s.sampleId()).raw("</h3>");
        String problem = s.rankedByBox() ? s.boxProblem() : s.maskProblem();
        switch (outcome) {
            case "unparsed" -> html.raw("<div class=\"parse-error\"><strong>unparsed</strong> ").text(problem).raw("</div>");
            case "error" -> html.raw("<div class=\"error\"><strong>error</strong> ").text(problem).raw("</div>");
            case "missing" -> html.raw("<div class=\"error\"><strong>missing</strong> ").text(problem == null ? "no prediction for this sample" : problem).raw("</div>");
            default -> {
                if (problem != null) html.raw("<div class=\"parse-error\"><strong>problem</strong> ").text(problem).raw("</div>");
            }
        }
        html.raw(String.format(Locale.ROOT, "<p class=\"iou\"><span class=\"value\">%.4f</span> %s IoU</p>", s.iou(), s.rankedByBox() ? "box" : "mask"));
        html.raw("<dl>");
        term(html, "expression", s.expression());
        term(html, "image", s.imageId());
        term(html, "split", s.split());
        if (s.rankedByBox()) {
            term(html, "truth box", box(s.truthBox()));
            term(html, "predicted box", box(s.predictedBox()));
            term(html, "hit at 0.5", s.hit05() == null ? null : s.hit05() ? "yes" : "no");
            term(html, "centre in the truth box", s.centreHit() == null ? null : s.centreHit() ? "yes" : "no");
        }
        if (s.maskOutcome() != null) {
            term(html, "mask", s.maskOutcome() + (s.maskIou() == null ? "" : String.format(Locale.ROOT, ", IoU %.4f", s.maskIou()))
                    + (s.maskProblem() == null || !s.rankedByBox() ? "" : ": " + s.maskProblem()));
        }
        html.raw("</dl>");
        html.element("h4", null, "Answer");
        html.element("pre", "answer", s.answer() == null ? "(none)" : s.answer());
        if (s.maskAnswer() != null && !s.maskAnswer().equals(s.answer())) {
            html.element("h4", null, "Segmentation answer");
            html.element("pre", "answer", s.maskAnswer());
        }
        html.raw("</div></article>");
    }

    private static String box(EvaluationSample.Box b) {
        return b == null ? "none" : String.format(Locale.ROOT, "%.1f, %.1f – %.1f, %.1f (x0, y0 – x1, y1)", b.x0(), b.y0(), b.x1(), b.y1());
    }

    private static void term(Html html, String name, String value) {
        if (value == null) return;
        html.element("dt", null, name).element("dd", null, value);
    }
}
