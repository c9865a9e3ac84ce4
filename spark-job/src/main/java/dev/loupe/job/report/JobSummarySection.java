package dev.loupe.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The annotate job's {@code _loupe_summary.json} (see SummaryFile): the output's totals, this
 * run's throughput and where the engine's time went by stage, the settings and the most common
 * errors. A summary without some field (an older Loupe) shows a dash there.
 */
final class JobSummarySection implements ReportSection {
    static final String FILE_NAME = "_loupe_summary.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final JsonNode summary;

    private JobSummarySection(String source, JsonNode summary) {
        this.source = source;
        this.summary = summary;
    }

    /** The summary at {@code file}; null when it does not exist and {@code required} is false. */
    static JobSummarySection read(Path file, Configuration hadoop, boolean required) {
        JsonNode root = JsonFiles.readObject(file, hadoop, "a job summary");
        if (root == null && required) throw new IllegalArgumentException(file + ": no such summary file");
        return root == null ? null : new JobSummarySection(file.toString(), root);
    }

    @Override
    public String id() {
        return "summary";
    }

    @Override
    public String title() {
        return "Job summary";
    }

    @Override
    public void render(Html html) {
        JsonNode totals = summary.path("output_totals"), run = summary.path("this_run");
        double wall = summary.path("seconds").asDouble(Double.NaN);
        long images = totals.path("images").asLong(-1), errors = totals.path("errors").asLong(-1);
        long runImages = run.path("images").asLong(-1);

        html.raw("<div class=\"stats\">");
        stat(html, "images in the output", count(images), false);
        stat(html, "annotated", images < 0 || errors < 0 ? "—" : count(images - errors), false);
        stat(html, "errors", count(errors), errors > 0);
        stat(html, "tokens generated", count(totals.path("generated_tokens").asLong(-1)), false);
        stat(html, "wall time of this run", Double.isNaN(wall) ? "—" : String.format(Locale.ROOT, "%.1f s", wall), false);
        stat(html, "images per hour (this run)", runImages < 0 || !(wall > 0) ? "—" : count(Math.round(runImages / wall * 3600)), false);
        stat(html, "tokens per second generated", !(wall > 0) || run.path("generated_tokens").isMissingNode() ? "—"
                : String.format(Locale.ROOT, "%.1f", run.path("generated_tokens").asDouble() / wall), false);
        html.raw("</div>");

        stages(html, run);

        html.raw("<table class=\"settings\"><tbody>");
        setting(html, "model", summary.path("model"));
        setting(html, "mmproj", summary.path("mmproj"));
        setting(html, "max tokens", summary.path("max_tokens"));
        setting(html, "temperature", summary.path("temperature"));
        setting(html, "seed", summary.path("seed"));
        setting(html, "this run", run.isMissingNode() ? run : JSON.getNodeFactory().textNode(String.format(Locale.ROOT,
                "%d images annotated (%d errors), %d already done (resumed), %d prompt tokens (%d of them image), %d generated",
                run.path("images").asLong(), run.path("errors").asLong(), run.path("already_done").asLong(),
                run.path("prompt_tokens").asLong(), run.path("image_tokens").asLong(), run.path("generated_tokens").asLong())));
        setting(html, "model loads per executor", loads(run.path("model_loads_by_executor")));
        setting(html, "finished", summary.path("finished"));
        setting(html, "output", summary.path("output"));
        html.raw("</tbody></table>");

        JsonNode common = totals.path("common_errors");
        if (common.isArray() && !common.isEmpty()) {
            html.element("h3", null, "Most common errors");
            html.raw("<table class=\"errors\"><thead><tr><th>rows</th><th>error</th></tr></thead><tbody>");
            for (JsonNode e : common) {
                html.raw("<tr><td class=\"num\">").text(e.path("count").asText()).raw("</td><td class=\"error-text\">")
                        .text(e.path("error").asText()).raw("</td></tr>");
            }
            html.raw("</tbody></table>");
        }
        html.raw("<p class=\"source\">From ").text(source).raw("</p>");
    }

    /** Encode, prefill and decode seconds as one bar of their shares, and their figures. */
    private static void stages(Html html, JsonNode run) {
        String[][] stages = {{"encode", "encode_seconds"}, {"prefill", "prefill_seconds"}, {"decode", "decode_seconds"}};
        double total = 0;
        for (String[] s : stages) total += run.path(s[1]).asDouble(0);
        if (!(total > 0)) return;
        html.element("h3", null, "Engine time by stage");
        html.raw("<div class=\"stage-bar\">");
        for (String[] s : stages) {
            double share = run.path(s[1]).asDouble(0) / total;
            html.raw(String.format(Locale.ROOT, "<span class=\"stage-%s\" style=\"width:%.2f%%\"></span>", s[0], 100 * share));
        }
        html.raw("</div><ul class=\"stage-legend\">");
        for (String[] s : stages) {
            double seconds = run.path(s[1]).asDouble(0);
            html.raw("<li><span class=\"chip stage-" + s[0] + "\"></span>")
                    .text(String.format(Locale.ROOT, "%s %.1f s (%.0f%%)", s[0], seconds, 100 * seconds / total)).raw("</li>");
        }
        html.raw("</ul>");
    }

    private static void stat(Html html, String name, String value, boolean alarm) {
        html.raw(alarm ? "<div class=\"stat alarm\">" : "<div class=\"stat\">");
        html.element("span", "value", value).element("span", "name", name).raw("</div>");
    }

    private static void setting(Html html, String name, JsonNode value) {
        html.raw("<tr><th>").text(name).raw("</th><td>").text(value.isMissingNode() || value.isNull() ? "—" : value.asText()).raw("</td></tr>");
    }

    private static JsonNode loads(JsonNode byExecutor) {
        if (!byExecutor.isObject()) return byExecutor;
        StringBuilder b = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = byExecutor.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue().asText());
        }
        return JSON.getNodeFactory().textNode(b.isEmpty() ? "none" : b.toString());
    }

    private static String count(long n) {
        return n < 0 ? "—" : String.format(Locale.ROOT, "%,d", n);
    }
}
