package dev.loupe.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The eval job's {@code summary.json} (written by EvalReport) as tables: REC (Acc@0.1 ... 0.9,
 * mean IoU, centre accuracy) and, when masks were scored, RES (gIoU, cIoU), one row per split and
 * an overall row when there are several splits — the rows the job prints — with the misses that
 * had no prediction counted apart by kind, and the settings of the run. Numbers are shown as the
 * job prints them (fractions, four places) so the page and the console can be compared digit for
 * digit; a number the summary lacks shows a dash.
 */
final class MetricsSection implements ReportSection {
    static final String FILE_NAME = "summary.json";
    static final String[] THRESHOLDS = {"0.1", "0.3", "0.5", "0.7", "0.9"};
    private static final String[] OUTCOMES = {"scored", "unparsed", "error", "missing", "bad_truth"};
    private static final String[] SETTINGS = {"dataset", "splits", "limit", "model", "mmproj", "tasks", "predictions", "mask_predictions", "finished"};

    private final String source;
    private final JsonNode summary;

    private MetricsSection(String source, JsonNode summary) {
        this.source = source;
        this.summary = summary;
    }

    /** The summary in the eval job's output {@code directory}; refused, named, when absent or not the eval job's. */
    static MetricsSection read(Path directory, Configuration hadoop) {
        Path file = new Path(directory, FILE_NAME);
        JsonNode root = JsonFiles.readObject(file, hadoop, "an eval summary");
        if (root == null) throw new IllegalArgumentException(file + ": no such file; is " + directory + " the eval job's --output?");
        if (!root.path("rec").isObject() && !root.path("res").isObject()) {
            throw new IllegalArgumentException(file + " is not an eval summary: it has neither \"rec\" nor \"res\" metrics (its fields are "
                    + fieldNames(root) + ")");
        }
        return new MetricsSection(file.toString(), root);
    }

    @Override
    public String id() {
        return "metrics";
    }

    @Override
    public String title() {
        return "Metrics";
    }

    @Override
    public void render(Html html) {
        JsonNode rec = summary.path("rec"), res = summary.path("res");
        if (rec.isObject()) {
            html.element("h3", null, "REC, boxes");
            html.element("p", "intro", "lmms-eval's RefCOCO metrics: Acc@t is the share of samples whose predicted box has IoU ≥ t with the "
                    + "true box. Misses without a prediction (unparsed answers, failed rows, missing predictions) count as IoU 0 and are "
                    + "counted apart; bad ground truth is left out.");
            html.raw("<table class=\"metrics rec\"><thead><tr><th>split</th><th>samples</th>");
            for (String t : THRESHOLDS) html.raw(t.equals("0.5") ? "<th class=\"key\">" : "<th>").text("Acc@" + t).raw("</th>");
            html.raw("<th>mean IoU</th><th>centre acc.</th>");
            outcomeHeads(html);
            html.raw("</tr></thead><tbody>");
            for (Row r : rows(rec)) {
                html.raw("<tr>").element("th", null, r.name()).raw(num(r.metrics().path("samples"), false));
                for (String t : THRESHOLDS) html.raw(fraction(r.metrics().path("acc@" + t), t.equals("0.5")));
                html.raw(fraction(r.metrics().path("mean_iou"), false)).raw(fraction(r.metrics().path("centre_accuracy"), false));
                outcomeCells(html, r.metrics().path("outcomes"));
                html.raw("</tr>");
            }
            html.raw("</tbody></table>");
        }
        if (res.isObject()) {
            html.element("h3", null, "RES, masks");
            html.element("p", "intro", "gIoU: the mean of per-sample mask IoU; cIoU: total intersection over total union. Misses count as "
                    + "IoU 0 (their true mask in the union).");
            html.raw("<table class=\"metrics res\"><thead><tr><th>split</th><th>samples</th><th class=\"key\">gIoU</th><th>cIoU</th>");
            outcomeHeads(html);
            html.raw("</tr></thead><tbody>");
            for (Row r : rows(res)) {
                html.raw("<tr>").element("th", null, r.name()).raw(num(r.metrics().path("samples"), false))
                        .raw(fraction(r.metrics().path("giou"), true)).raw(fraction(r.metrics().path("ciou"), false));
                outcomeCells(html, r.metrics().path("outcomes"));
                html.raw("</tr>");
            }
            html.raw("</tbody></table>");
        }
        html.raw("<table class=\"settings\"><tbody>");
        for (String name : SETTINGS) {
            JsonNode v = summary.path(name);
            if (!v.isMissingNode() && !v.isNull()) html.raw("<tr><th>").text(name.replace('_', ' ')).raw("</th><td>").text(v.asText()).raw("</td></tr>");
        }
        html.raw("</tbody></table>");
        html.raw("<p class=\"source\">From ").text(source).raw("</p>");
    }

    private record Row(String name, JsonNode metrics) {}

    /** One row per split, in the summary's order, then overall when there is more than one split (as the job prints them). */
    private static List<Row> rows(JsonNode kind) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : kind.path("splits").properties()) {
            rows.add(new Row(e.getKey().isEmpty() ? "(no split)" : e.getKey(), e.getValue()));
        }
        if (rows.size() != 1 && kind.path("overall").isObject()) rows.add(new Row("overall", kind.path("overall")));
        return rows;
    }

    private static void outcomeHeads(Html html) {
        for (String o : OUTCOMES) html.element("th", null, o.replace('_', ' '));
    }

    /** The outcome counts; a miss without a prediction shows amber, so a format problem stands out from a poor model. */
    private static void outcomeCells(Html html, JsonNode outcomes) {
        for (String o : OUTCOMES) html.raw(num(outcomes.path(o), !o.equals("scored") && outcomes.path(o).asLong(0) > 0));
    }

    private static String num(JsonNode v, boolean flagged) {
        String cls = flagged ? "num flagged" : "num";
        return "<td class=\"" + cls + "\">" + (v.isNumber() ? String.format(Locale.ROOT, "%,d", v.asLong()) : "—") + "</td>";
    }

    private static String fraction(JsonNode v, boolean key) {
        return "<td class=\"" + (key ? "num key" : "num") + "\">" + (v.isNumber() ? String.format(Locale.ROOT, "%.4f", v.asDouble()) : "—") + "</td>";
    }

    private static List<String> fieldNames(JsonNode root) {
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
