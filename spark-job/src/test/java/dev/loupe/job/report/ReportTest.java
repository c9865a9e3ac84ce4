package dev.loupe.job.report;

import static dev.loupe.job.annotations.AnnotationFiles.box;
import static dev.loupe.job.annotations.AnnotationFiles.failed;
import static dev.loupe.job.annotations.AnnotationFiles.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.job.annotations.AnnotationFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's page as HTML (what the browser draws from it is {@link ReportBrowserTest}'s). */
class ReportTest {
    static final Pattern FIGURE = Pattern.compile("data-figure=\"([^\"]*)\"");
    static final Pattern IMAGE = Pattern.compile("src=\"data:image/jpeg;base64,([^\"]*)\"");
    static final Pattern TITLE = Pattern.compile("<h3 title=\"([^\"]*)\">");

    @TempDir
    Path tmp;

    /** The annotate job's output directory: three rows and its summary. */
    Path output() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("annotations"));
        Path image = ReportBrowserTest.solid(tmp.resolve("blue.png"), 90, 60, ReportBrowserTest.BLUE);
        GenericRecord found = row(image.toUri().toString(), "detect", 90, 60);
        found.put("boxes", List.of(box("dog", 10, 20, 50, 40, 0.5f)));
        found.put("prompt", "dog");
        found.put("text", "<ref>dog</ref><box>…</box><script>alert(1)</script>");
        found.put("mean_logprob", -0.25f);
        found.put("min_logprob", -2.5f);
        GenericRecord cutOff = row(tmp.resolve("gone.png").toString(), "ground", 40, 30);
        cutOff.put("boxes", List.of());
        cutOff.put("parse_error", "the answer ends inside a box");
        AnnotationFiles.write(dir.resolve("part-00000.parquet"), List.of(found, failed("file:/x/broken.jpg", "detect", "undecodable image: <b>"), cutOff));
        Files.writeString(dir.resolve("_loupe_summary.json"), """
                {"output": "/out", "finished": "2025-01-01T00:00:00Z", "seconds": 36.0, "model": "m.gguf", "mmproj": "p.gguf",
                 "max_tokens": 64, "temperature": 0.0, "seed": 0,
                 "output_totals": {"images": 12, "errors": 2, "generated_tokens": 90,
                                   "common_errors": [{"error": "undecodable image", "count": 2}]},
                 "this_run": {"images": 12, "errors": 2, "already_done": 0, "prompt_tokens": 1200, "generated_tokens": 90,
                              "engine_seconds": 8.0, "image_tokens": 1000, "encode_seconds": 3.0, "prefill_seconds": 1.0,
                              "decode_seconds": 4.0, "model_loads_by_executor": {"driver": 1}}}
                """);
        return dir;
    }

    @Test
    void thePageShowsTheSummaryTheRowsAndTheirOverlays() throws Exception {
        Path page = tmp.resolve("report.html");
        AnnotationReport.Counts counts = AnnotationReport.run(options(output().toString(), page));
        assertEquals(new AnnotationReport.Counts(3, 3, 2, true), counts, "gone.png and broken.jpg could not be shown");
        String html = Files.readString(page);

        // Summary: 12 images over 36 s is 1,200 an hour; 90 tokens over 36 s is 2.5 a second; stages 3 + 1 + 4 s.
        assertTrue(html.contains("<span class=\"value\">1,200</span><span class=\"name\">images per hour (this run)</span>"), html);
        assertTrue(html.contains("<span class=\"value\">2.5</span><span class=\"name\">tokens per second generated</span>"));
        assertTrue(html.contains("<div class=\"stat alarm\"><span class=\"value\">2</span><span class=\"name\">errors</span>"));
        assertTrue(html.contains("encode 3.0 s (38%)") && html.contains("prefill 1.0 s (13%)") && html.contains("decode 4.0 s (50%)"));
        assertTrue(html.contains("<td class=\"num\">2</td><td class=\"error-text\">undecodable image</td>"));

        // Rows: untrusted text escaped, errors marked.
        assertFalse(html.contains("<script>alert(1)"), "the model's answer must not run as script");
        assertTrue(html.contains("&lt;ref&gt;dog&lt;/ref&gt;&lt;box&gt;…&lt;/box&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(html.contains("<article class=\"row has-error\">"));
        assertTrue(html.contains("<div class=\"error\"><strong>error</strong> undecodable image: &lt;b&gt;</div>"));
        assertTrue(html.contains("<article class=\"row has-parse-error\">"));
        assertTrue(html.contains("<div class=\"parse-error\"><strong>did not parse</strong> the answer ends inside a box</div>"));
        assertTrue(html.contains("<td>10.0</td><td>20.0</td><td>50.0</td><td>40.0</td><td>0.50</td>"), "the box and its confidence");
        assertTrue(html.contains("mean -0.25, least -2.50"), "the answer's token log-probabilities");

        List<JsonNode> figures = figures(html);
        assertEquals(2, figures.size(), "the failed row has no size, so no frame to draw in");
        JsonNode dog = figures.getFirst();
        assertEquals(90, dog.get("width").asInt());
        JsonNode box = dog.get("overlays").get(0).get("boxes").get(0);
        assertEquals("prediction", dog.get("overlays").get(0).get("role").asText());
        assertEquals(List.of(10.0, 20.0, 50.0, 40.0, 0.5), List.of(box.get("x0").asDouble(), box.get("y0").asDouble(),
                box.get("x1").asDouble(), box.get("y1").asDouble(), box.get("score").asDouble()));
        assertEquals(LabelColors.PALETTE.getFirst(), box.get("color").asText());
        BufferedImage embedded = embedded(html).getFirst();
        assertEquals(List.of(90, 60), List.of(embedded.getWidth(), embedded.getHeight()), "small images are embedded at their size");
        assertTrue(html.contains("image not shown: no image at file:" + tmp.resolve("gone.png")), "the missing image is named");
    }

    @Test
    void imagesAreScaledDownToTheLongestEdge() throws Exception {
        Path page = tmp.resolve("report.html");
        Path dir = output();
        AnnotationReport.run(new ReportOptions(dir.toString(), page, null, 10, 0, false, null, 30, false));
        BufferedImage embedded = embedded(Files.readString(page)).getFirst();
        assertEquals(List.of(30, 20), List.of(embedded.getWidth(), embedded.getHeight()));
        assertEquals(90, figures(Files.readString(page)).getFirst().get("width").asInt(), "overlays stay in original pixels");
    }

    @Test
    void theSampleIsSeededAndCanBeLimitedToErrors() throws Exception {
        List<GenericRecord> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) rows.add(i % 10 == 3 ? failed("row-" + i, "caption", "bad") : row("row-" + i, "caption", 4, 4));
        Path table = tmp.resolve("many.parquet");
        AnnotationFiles.write(table, rows);

        List<String> seven = shown(table, 5, 7, false), sevenAgain = shown(table, 5, 7, false), eight = shown(table, 5, 8, false);
        assertEquals(5, seven.size());
        assertEquals(seven, sevenAgain, "the same seed shows the same rows");
        assertNotEquals(seven, eight, "another seed, another sample");
        assertEquals(seven.stream().sorted((a, b) -> Integer.compare(number(a), number(b))).toList(), seven, "rows in table order");
        assertEquals(List.of("row-3", "row-13", "row-23"), shown(table, 5, 7, true), "only the rows with errors, all of them");
        String html = Files.readString(tmp.resolve("sample.html"));
        assertTrue(html.contains("3 of 30 rows, rows with an error or a parse error, all of them."), html);
    }

    @Test
    void aBrokenOrMissingSummaryIsNamed() throws Exception {
        Path dir = output();
        Path corrupt = tmp.resolve("corrupt.json");
        Files.writeString(corrupt, "{\"seconds\": 3,");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AnnotationReport.run(
                new ReportOptions(dir.toString(), tmp.resolve("r.html"), corrupt.toString(), 10, 0, false, null, 640, false)));
        assertTrue(bad.getMessage().startsWith(corrupt + " is not valid JSON: "), bad.getMessage());
        assertTrue(bad.getMessage().contains("at line 1, column"), bad.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> AnnotationReport.run(
                new ReportOptions(dir.toString(), tmp.resolve("r.html"), tmp.resolve("none.json").toString(), 10, 0, false, null, 640, false)));
        assertEquals(tmp.resolve("none.json") + ": no such summary file", missing.getMessage());
        assertFalse(Files.exists(tmp.resolve("r.html")));

        Files.delete(dir.resolve("_loupe_summary.json"));
        AnnotationReport.Counts counts = AnnotationReport.run(options(dir.toString(), tmp.resolve("r.html")));
        assertFalse(counts.withSummary());
        assertFalse(Files.readString(tmp.resolve("r.html")).contains("id=\"summary\""), "no summary section without a summary");
    }

    private List<String> shown(Path table, int sample, long seed, boolean onlyErrors) throws Exception {
        Path page = tmp.resolve("sample.html");
        AnnotationReport.run(new ReportOptions(table.toString(), page, null, sample, seed, onlyErrors, null, 640, true));
        List<String> ids = new ArrayList<>();
        Matcher m = TITLE.matcher(Files.readString(page));
        while (m.find()) ids.add(m.group(1));
        return ids;
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring("row-".length()));
    }

    private static ReportOptions options(String input, Path output) {
        return new ReportOptions(input, output, null, 24, 0, false, null, 640, false);
    }

    static List<JsonNode> figures(String html) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Matcher m = FIGURE.matcher(html);
        while (m.find()) {
            String json = m.group(1).replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            out.add(new ObjectMapper().readTree(json));
        }
        return out;
    }

    static List<BufferedImage> embedded(String html) throws Exception {
        List<BufferedImage> out = new ArrayList<>();
        Matcher m = IMAGE.matcher(html);
        while (m.find()) out.add(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
        return out;
    }
}
