package dev.loupe.job.report;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.job.annotations.AnnotationRow;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sampled rows, one card each: the image with what the model found drawn over it, and beside
 * it the task and prompt, the model's raw answer, the boxes with their confidences, the row's
 * tokens and times. A row's {@code error} and {@code parse_error} are shown first, in red and
 * amber, and mark the card so failures stand out while scrolling.
 */
final class SampleSection implements ReportSection {
    private final List<AnnotationRow> rows;
    private final TableTally tally;
    private final String selection;
    private final LabelColors colors = new LabelColors();
    private final ImageFigures figures;

    /**
     * @param selection how the rows were chosen, in words, for the section's introduction
     */
    SampleSection(List<AnnotationRow> rows, TableTally tally, String selection, ImageEmbedder images) {
        this.rows = rows;
        this.tally = tally;
        this.selection = selection;
        this.figures = new ImageFigures(images, colors);
    }

    /** Rows whose image could not be shown (known once rendered). */
    int missingImages() {
        return figures.missing();
    }

    @Override
    public String id() {
        return "rows";
    }

    @Override
    public String title() {
        return "Annotated rows";
    }

    @Override
    public void render(Html html) {
        html.raw("<p class=\"intro\">").text(String.format(Locale.ROOT, "%d of %,d rows, %s. In the whole table: %s, %s, %s, %s, %s; tasks: %s.",
                rows.size(), tally.rows, selection, count(tally.errors, "error"), count(tally.parseErrors, "answer that did not fully parse",
                        "answers that did not fully parse"), count(tally.boxes, "box", "boxes"), count(tally.masks, "mask"),
                count(tally.persons, "person"), tasks(tally.tasks))).raw("</p>");
        for (AnnotationRow r : rows) card(html, r);
    }

    private void card(Html html, AnnotationRow r) {
        String marks = (r.error() != null ? " has-error" : "") + (r.parseError() != null ? " has-parse-error" : "");
        html.raw("<article class=\"row" + marks + "\">");
        figure(html, r);
        html.raw("<div class=\"details\">");
        html.raw("<h3 title=\"").text(r.imageId()).raw("\">").text(shortName(r.imageId())).raw("</h3>");
        if (r.error() != null) html.raw("<div class=\"error\"><strong>error</strong> ").text(r.error()).raw("</div>");
        if (r.parseError() != null) html.raw("<div class=\"parse-error\"><strong>did not parse</strong> ").text(r.parseError()).raw("</div>");
        html.raw("<dl>");
        term(html, "task", r.task());
        term(html, "prompt", r.prompt());
        term(html, "model", r.model());
        term(html, "tokens", r.promptTokens() == null ? null : String.format(Locale.ROOT, "%d prompt, %s generated%s",
                r.promptTokens(), r.generatedTokens(), r.finishReason() == null ? "" : " (" + r.finishReason() + ")"));
        term(html, "seconds", r.seconds() == null ? null : String.format(Locale.ROOT, "%.2f", r.seconds()));
        term(html, "token log-prob", r.meanLogprob() == null ? null : String.format(Locale.ROOT, "mean %.2f, least %.2f",
                r.meanLogprob(), r.minLogprob()));
        html.raw("</dl>");
        html.element("h4", null, "Answer");
        html.element("pre", "answer", r.text() == null ? "(none)" : r.text());
        results(html, r);
        html.raw("</div></article>");
    }

    private void figure(Html html, AnnotationRow r) {
        figures.write(html, r.imageId(), r.hasSize() ? r.imageWidth() : 0, r.hasSize() ? r.imageHeight() : 0, List.of(Overlay.prediction(r)));
    }

    private void results(Html html, AnnotationRow r) {
        if (r.boxes() != null && !r.boxes().isEmpty()) {
            html.raw("<table class=\"results\"><thead><tr><th>box</th><th>x0</th><th>y0</th><th>x1</th><th>y1</th><th>confidence</th></tr></thead><tbody>");
            for (Annotation.Box b : r.boxes()) {
                labelCell(html, b.label());
                html.raw(String.format(Locale.ROOT, "<td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>", b.x0(), b.y0(), b.x1(), b.y1()));
                html.raw("<td>").text(b.score() == null ? "—" : String.format(Locale.ROOT, "%.2f", b.score())).raw("</td></tr>");
            }
            html.raw("</tbody></table>");
        }
        if (r.masks() != null && !r.masks().isEmpty()) {
            html.raw("<table class=\"results\"><thead><tr><th>mask</th><th>pixels</th><th>of the image</th></tr></thead><tbody>");
            for (Annotation.Mask m : r.masks()) {
                labelCell(html, m.label());
                html.raw("<td>").text(maskArea(m)).raw("</td>");
                html.raw("<td>").text(String.format(Locale.ROOT, "%d x %d", m.width(), m.height())).raw("</td></tr>");
            }
            html.raw("</tbody></table>");
        }
        if (r.persons() != null && !r.persons().isEmpty()) {
            html.raw("<table class=\"results\"><thead><tr><th>person</th><th>box</th><th>keypoints</th></tr></thead><tbody>");
            for (Annotation.Person p : r.persons()) {
                long visible = p.points().stream().filter(k -> k.visibility() == null || k.visibility() >= 0.5f).count();
                labelCell(html, "person");
                html.raw(String.format(Locale.ROOT, "<td>%.0f,%.0f – %.0f,%.0f</td><td>%d (%d visible)</td></tr>",
                        p.x0(), p.y0(), p.x1(), p.y1(), p.points().size(), visible));
            }
            html.raw("</tbody></table>");
        }
        if (r.points() != null && !r.points().isEmpty()) {
            html.raw("<table class=\"results\"><thead><tr><th>point</th><th>x</th><th>y</th></tr></thead><tbody>");
            for (Annotation.Point p : r.points()) {
                labelCell(html, p.label());
                html.raw(String.format(Locale.ROOT, "<td>%.1f</td><td>%.1f</td></tr>", p.x(), p.y()));
            }
            html.raw("</tbody></table>");
        }
        if (r.count() != null) html.raw("<p class=\"count\">count: ").text(r.count()).raw("</p>");
        boolean structured = r.boxes() != null || r.masks() != null || r.persons() != null;
        if (structured && r.error() == null && (r.boxes() == null || r.boxes().isEmpty()) && (r.masks() == null || r.masks().isEmpty())
                && (r.persons() == null || r.persons().isEmpty())) {
            html.element("p", "none-found", "nothing found");
        }
    }

    private void labelCell(Html html, String label) {
        html.raw("<tr><td><span class=\"chip\" style=\"background:" + colors.of(label) + "\"></span>").text(label == null ? "(no label)" : label).raw("</td>");
    }

    private static String maskArea(Annotation.Mask m) {
        try {
            int[] runs = CocoRle.parse(m.counts());
            long area = 0;
            for (int i = 1; i < runs.length; i += 2) area += runs[i];
            return String.format(Locale.ROOT, "%,d (%.1f%%)", area, 100.0 * area / ((double) m.width() * m.height()));
        } catch (IllegalArgumentException e) {
            return "unreadable RLE: " + e.getMessage();
        }
    }

    private static void term(Html html, String name, String value) {
        if (value == null) return;
        html.element("dt", null, name).element("dd", null, value);
    }

    private static String shortName(String imageId) {
        if (imageId == null) return "(no image_id)";
        int slash = imageId.lastIndexOf('/');
        return slash >= 0 && slash < imageId.length() - 1 ? imageId.substring(slash + 1) : imageId;
    }

    private static String count(long n, String one) {
        return count(n, one, one + "s");
    }

    private static String count(long n, String one, String many) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? one : many);
    }

    private static String tasks(Map<String, Long> tasks) {
        StringBuilder b = new StringBuilder();
        tasks.forEach((t, n) -> b.append(b.isEmpty() ? "" : ", ").append(t).append(' ').append(String.format(Locale.ROOT, "%,d", n)));
        return b.isEmpty() ? "none" : b.toString();
    }
}
