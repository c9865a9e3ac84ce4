package dev.loupe.job.report;

import static dev.loupe.job.report.EvaluationFiles.masks;
import static dev.loupe.job.report.EvaluationFiles.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.job.annotations.AnnotationFiles;
import dev.loupe.job.tools.LoupeTools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code loupe report --evaluation} on an eval output written by hand ({@link EvaluationFiles}): the metrics, the worst misses, their overlays. */
class EvaluationReportTest {
    static final Pattern SAMPLE_TITLE = Pattern.compile("<article class=\"row miss[^\"]*\">.*?<h3 title=\"[^\"]*\">([^<]*)</h3>", Pattern.DOTALL);

    /**
     * The metrics of the samples below, worked out by hand as EvalReport writes them. REC: val has
     * s1 (IoU 1/7: truth and prediction 100 x 100, sharing 50 x 50 = 2500 of 17500), s2 (IoU 1), and
     * the misses s3, s10 (unparsed) and s8 (error): Acc@0.1 2/5, Acc@0.3 ... 0.9 1/5, mean IoU
     * (1/7 + 1) / 5 = 0.228571, centre 2/5 (s1's predicted centre 110,110 is on the truth's
     * corner, edges included). testA has s4 (missing) and s5 (IoU 0), s6 with bad truth left out:
     * everything 0. Overall 7 samples: 2/7, 1/7 ..., mean IoU (8/7) / 7 = 0.163265, centre 2/7.
     * RES: s5 only, true mask 80 x 80 = 6400 pixels, predicted its right half, 3200: IoU 0.5.
     */
    static final String SUMMARY = """
            {
              "finished" : "2026-01-02T03:04:05Z",
              "dataset" : "refcoco/data",
              "predictions" : "hand-predictions.jsonl",
              "rec" : {
                "overall" : {"samples" : 7, "acc@0.1" : 0.2857142857142857, "acc@0.3" : 0.14285714285714285, "acc@0.5" : 0.14285714285714285,
                             "acc@0.7" : 0.14285714285714285, "acc@0.9" : 0.14285714285714285, "mean_iou" : 0.16326530612244897,
                             "centre_accuracy" : 0.2857142857142857,
                             "outcomes" : {"scored" : 3, "unparsed" : 2, "error" : 1, "missing" : 1, "bad_truth" : 1}},
                "splits" : {
                  "testA" : {"samples" : 2, "acc@0.1" : 0.0, "acc@0.3" : 0.0, "acc@0.5" : 0.0, "acc@0.7" : 0.0, "acc@0.9" : 0.0,
                             "mean_iou" : 0.0, "centre_accuracy" : 0.0,
                             "outcomes" : {"scored" : 1, "unparsed" : 0, "error" : 0, "missing" : 1, "bad_truth" : 1}},
                  "val" : {"samples" : 5, "acc@0.1" : 0.4, "acc@0.3" : 0.2, "acc@0.5" : 0.2, "acc@0.7" : 0.2, "acc@0.9" : 0.2,
                           "mean_iou" : 0.22857142857142856, "centre_accuracy" : 0.4,
                           "outcomes" : {"scored" : 2, "unparsed" : 2, "error" : 1, "missing" : 0, "bad_truth" : 0}}
                }
              },
              "res" : {
                "overall" : {"samples" : 1, "giou" : 0.5, "ciou" : 0.5, "intersection" : 3200, "union" : 6400,
                             "outcomes" : {"scored" : 1, "unparsed" : 0, "error" : 0, "missing" : 0, "bad_truth" : 0}},
                "splits" : {
                  "testA" : {"samples" : 1, "giou" : 0.5, "ciou" : 0.5, "intersection" : 3200, "union" : 6400,
                             "outcomes" : {"scored" : 1, "unparsed" : 0, "error" : 0, "missing" : 0, "bad_truth" : 0}}
                }
              }
            }
            """;

    @TempDir
    Path tmp;

    /**
     * The eval output: eight samples whose images are found by path (s1, s2), by file: URI (s10)
     * and under --image-root (s4), or not at all — s5 has masks to size its frame, s3 a row in the
     * run's ground/ table, s8 nothing.
     */
    Path output() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("eval"));
        Path blue = ReportBrowserTest.solid(tmp.resolve("blue.png"), 400, 300, ReportBrowserTest.BLUE);
        GenericRecord s3 = sample("s3", "gone/s3.jpg", "val", "unparsed", new double[] {30, 40, 130, 140}, null, 0.0);
        s3.put("box_problem", "no box in the answer");
        s3.put("answer", "It is <b>the cat</b>");
        GenericRecord s6 = sample("s6", blue.toString(), "testA", "bad_truth", null, null, null);
        s6.put("box_problem", "the box [1, 2, 3] has 3 numbers");
        GenericRecord s8 = sample("s8", "gone/s8.jpg", "val", "error", new double[] {5, 5, 15, 15}, null, 0.0);
        s8.put("box_problem", "undecodable image");
        GenericRecord s1 = sample("s1", blue.toString(), "val", "scored", new double[] {10, 10, 110, 110}, new double[] {60, 60, 160, 160}, 1 / 7.0);
        s1.put("centre_hit", true);
        GenericRecord s10 = sample("s10", blue.toUri().toString(), "val", "unparsed", new double[] {1, 2, 3, 4}, null, 0.0);
        s10.put("answer", "");
        EvaluationFiles.write(dir.resolve("samples"), List.of(
                s1,
                sample("s2", blue.toString(), "val", "scored", new double[] {20, 20, 120, 120}, new double[] {20, 20, 120, 120}, 1.0),
                s3,
                sample("s4", "blue.png", "testA", "missing", new double[] {0, 0, 40, 40}, null, 0.0),
                masks(sample("s5", "/nonexistent/s5.png", "testA", "scored", new double[] {0, 0, 50, 50}, new double[] {200, 200, 250, 250}, 0.0),
                        400, 300, new int[] {300, 20, 380, 100}, new int[] {340, 20, 380, 100}, "scored", 0.5),
                s6, s8, s10));
        Files.writeString(dir.resolve("summary.json"), SUMMARY);
        Path ground = Files.createDirectories(dir.resolve("ground"));
        AnnotationFiles.write(ground.resolve("part-00000.parquet"), List.of(AnnotationFiles.row("s3", "ground", 640, 480)));
        return dir;
    }

    @Test
    void theMetricsTableShowsTheSummarysNumbersPerSplitAndOverall() throws Exception {
        Path page = tmp.resolve("eval.html");
        EvaluationReport.run(options(output(), page, 6));
        String html = Files.readString(page);

        assertTrue(html.contains("<tr><th>val</th><td class=\"num\">5</td><td class=\"num\">0.4000</td><td class=\"num\">0.2000</td>"
                + "<td class=\"num key\">0.2000</td><td class=\"num\">0.2000</td><td class=\"num\">0.2000</td><td class=\"num\">0.2286</td>"
                + "<td class=\"num\">0.4000</td><td class=\"num\">2</td><td class=\"num flagged\">2</td><td class=\"num flagged\">1</td>"
                + "<td class=\"num\">0</td><td class=\"num\">0</td></tr>"), html);
        assertTrue(html.contains("<tr><th>testA</th><td class=\"num\">2</td><td class=\"num\">0.0000</td>"), "testA's row");
        assertTrue(html.contains("<tr><th>overall</th><td class=\"num\">7</td><td class=\"num\">0.2857</td><td class=\"num\">0.1429</td>"
                + "<td class=\"num key\">0.1429</td><td class=\"num\">0.1429</td><td class=\"num\">0.1429</td><td class=\"num\">0.1633</td>"
                + "<td class=\"num\">0.2857</td><td class=\"num\">3</td><td class=\"num flagged\">2</td><td class=\"num flagged\">1</td>"
                + "<td class=\"num flagged\">1</td><td class=\"num flagged\">1</td></tr>"), "overall: misses counted apart by kind");
        assertTrue(html.indexOf("<th>testA</th>") < html.indexOf("<th>val</th>") && html.indexOf("<th>val</th>") < html.indexOf("<th>overall</th>"),
                "splits in the summary's order, overall last");
        String res = html.substring(html.indexOf("<table class=\"metrics res\">"), html.indexOf("</table>", html.indexOf("<table class=\"metrics res\">")));
        assertTrue(res.contains("<tr><th>testA</th><td class=\"num\">1</td><td class=\"num key\">0.5000</td><td class=\"num\">0.5000</td>"), res);
        assertFalse(res.contains("overall"), "one split: its row is the overall row, as the job prints it");
        assertTrue(html.contains("<tr><th>dataset</th><td>refcoco/data</td></tr>") && html.contains("<tr><th>predictions</th><td>hand-predictions.jsonl</td></tr>"));
    }

    @Test
    void theWorstMissesComeLowestIouFirstUnparsedFirstAmongEquals() throws Exception {
        Path page = tmp.resolve("eval.html"), dir = output();
        EvaluationReport.Counts counts = EvaluationReport.run(options(dir, page, 6));
        assertEquals(new EvaluationReport.Counts(6, 7, 1, 3), counts, "s6's bad truth is no miss; s3, s5 and s8 have no image");
        String html = Files.readString(page);
        // IoU 0: unparsed (s10 before s3 by id), error, missing, scored; then s1 at 1/7. s2 (IoU 1) is not among the 6 worst.
        assertEquals(List.of("s10", "s3", "s8", "s4", "s5", "s1"), titles(html));
        assertTrue(html.contains("<article class=\"row miss has-parse-error\">"));
        assertTrue(html.contains("<div class=\"parse-error\"><strong>unparsed</strong> no box in the answer</div>"));
        assertTrue(html.contains("<pre class=\"answer\">It is &lt;b&gt;the cat&lt;/b&gt;</pre>"), "the raw answer, escaped");
        assertTrue(html.contains("<div class=\"error\"><strong>error</strong> undecodable image</div>"));
        assertTrue(html.contains("<div class=\"error\"><strong>missing</strong> no prediction for this sample</div>"));
        assertTrue(html.contains("<span class=\"value\">0.1429</span> box IoU"), "s1's IoU");
        assertTrue(html.contains("<dt>expression</dt><dd>the thing of s1</dd>"));
        assertTrue(html.contains("image not shown: no image at file:" + tmp.resolve("gone/s8.jpg")), "the missing image is named");

        List<String> three = titles(Files.readString(page(dir, 3)));
        assertEquals(List.of("s10", "s3", "s8"), three, "--worst 3 keeps the three worst of one pass");
    }

    @Test
    void truthAndPredictionAreOverlaidInTheirColoursAndFramesComeFromWhatIsKnown() throws Exception {
        Path page = tmp.resolve("eval.html");
        EvaluationReport.run(options(output(), page, 6));
        List<JsonNode> figures = ReportTest.figures(Files.readString(page));
        // s8: no image, no mask, no run row: no frame, so no figure to draw in (the card says why).
        assertEquals(5, figures.size());
        JsonNode s10 = figures.get(0), s3 = figures.get(1), s4 = figures.get(2), s5 = figures.get(3), s1 = figures.get(4);
        assertEquals(List.of(400, 300), frame(s10), "s10's frame: its image, found by file: URI");
        assertEquals(List.of(640, 480), frame(s3), "s3's frame: the run's ground/ row, as the image is missing");
        assertEquals(List.of(400, 300), frame(s4), "s4's frame: its image, found under --image-root");
        assertEquals(List.of(400, 300), frame(s5), "s5's frame: its masks' size, as the image is missing");

        JsonNode truth = s1.get("overlays").get(0), prediction = s1.get("overlays").get(1);
        assertEquals("truth", truth.get("role").asText());
        assertEquals(List.of(10.0, 10.0, 110.0, 110.0), corners(truth.get("boxes").get(0)));
        assertEquals(Overlay.TRUTH_COLOR, truth.get("boxes").get(0).get("color").asText());
        assertEquals("prediction", prediction.get("role").asText());
        assertEquals(List.of(60.0, 60.0, 160.0, 160.0), corners(prediction.get("boxes").get(0)));
        assertEquals(Overlay.PREDICTION_COLOR, prediction.get("boxes").get(0).get("color").asText());

        assertEquals(0, s3.get("overlays").get(1).get("boxes").size(), "an unparsed answer has no prediction to draw");
        assertEquals(List.of(30.0, 40.0, 130.0, 140.0), corners(s3.get("overlays").get(0).get("boxes").get(0)));

        JsonNode truthMask = s5.get("overlays").get(0).get("masks").get(0), predictedMask = s5.get("overlays").get(1).get("masks").get(0);
        assertEquals(Overlay.TRUTH_COLOR, truthMask.get("color").asText());
        assertEquals(Overlay.PREDICTION_COLOR, predictedMask.get("color").asText());
        assertEquals(List.of(300, 400), List.of(truthMask.get("height").asInt(), truthMask.get("width").asInt()));
        assertEquals(6400, area(truthMask.get("counts").asText()), "the true mask: 80 x 80");
        assertEquals(3200, area(predictedMask.get("counts").asText()), "the predicted mask: its right half");
    }

    @Test
    void aMissingOrForeignSummaryOrSamplesTableIsNamed() throws Exception {
        Path dir = output();
        Path page = tmp.resolve("eval.html");
        Files.writeString(dir.resolve("summary.json"), "{\"dataset\": \"d\"}");
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(options(dir, page, 6)));
        assertEquals(dir.resolve("summary.json") + " is not an eval summary: it has neither \"rec\" nor \"res\" metrics (its fields are [dataset])",
                foreign.getMessage());

        Files.delete(dir.resolve("summary.json"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(options(dir, page, 6)));
        assertEquals(dir.resolve("summary.json") + ": no such file; is " + dir + " the eval job's --output?", missing.getMessage());

        Files.writeString(dir.resolve("summary.json"), SUMMARY);
        Path samples = dir.resolve("samples");
        Files.delete(samples.resolve("part-00000.parquet"));
        AnnotationFiles.write(samples.resolve("part-00000.parquet"), List.of(AnnotationFiles.row("x.png", "ground", 4, 4)));
        IllegalArgumentException annotations = assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(options(dir, page, 6)));
        assertTrue(annotations.getMessage().contains("part-00000.parquet is not an evaluation table (schemas/evaluation.avsc): it has no column sample_id"),
                annotations.getMessage());

        Schema wrong = SchemaBuilder.record("Wrong").fields().optionalString("sample_id").optionalString("image_id")
                .optionalString("box_outcome").optionalString("box_iou").endRecord();
        Files.delete(samples.resolve("part-00000.parquet"));
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(samples.resolve("part-00000.parquet")))
                .withSchema(wrong).withDataModel(GenericData.get()).withConf(new PlainParquetConfiguration()).build()) {
            GenericRecord r = new GenericData.Record(wrong);
            r.put("box_iou", "high");
            w.write(r);
        }
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(options(dir, page, 6)));
        assertTrue(shape.getMessage().endsWith("part-00000.parquet does not match schemas/evaluation.avsc: column box_iou is string, double expected"),
                shape.getMessage());

        Path summaryOnly = Files.createDirectories(tmp.resolve("summary-only"));
        Files.writeString(summaryOnly.resolve("summary.json"), SUMMARY);
        IllegalArgumentException noSamples = assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(options(summaryOnly, page, 6)));
        assertEquals(summaryOnly + " has no samples/ directory: is it the eval job's --output?", noSamples.getMessage());
        assertFalse(Files.exists(page), "nothing is written for bad input");
    }

    @Test
    void theReportCommandTakesAnEvaluationAndRefusesTheTableOnlyOptions() throws Exception {
        Path dir = output();
        Path page = tmp.resolve("eval.html");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = LoupeTools.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = cli.execute("report", "--evaluation", dir.toString(), "--image-root", tmp.toString(), "--worst", "2", "--output", page.toString());
        assertEquals(0, code, err.toString());
        assertEquals("loupe report: wrote " + page + ": metrics and the 2 worst of 7 samples (1 left out: bad ground truth or not evaluated); "
                + "1 images could not be shown (see the page)\n",
                out.toString());
        assertEquals(List.of("s10", "s3"), titles(Files.readString(page)));

        assertEquals(1, cli.execute("report", "--evaluation", dir.toString(), "--sample", "3", "--output", tmp.resolve("b.html").toString()));
        assertTrue(err.toString().contains("loupe: --sample applies with --input only"), err.toString());
        assertEquals(1, cli.execute("report", "--input", dir.resolve("ground").toString(), "--worst", "3", "--output", tmp.resolve("c.html").toString()));
        assertTrue(err.toString().contains("loupe: --worst applies with --evaluation only"), err.toString());
        assertEquals(2, cli.execute("report", "--input", "a", "--evaluation", "b", "--output", tmp.resolve("d.html").toString()), "one or the other");
    }

    private Path page(Path dir, int worst) {
        Path page = tmp.resolve("worst-" + worst + ".html");
        EvaluationReport.run(options(dir, page, worst));
        return page;
    }

    private EvaluationReportOptions options(Path dir, Path page, int worst) {
        return new EvaluationReportOptions(dir.toString(), page, worst, tmp, 640, true);
    }

    static List<String> titles(String html) {
        List<String> ids = new ArrayList<>();
        Matcher m = SAMPLE_TITLE.matcher(html);
        while (m.find()) ids.add(m.group(1));
        return ids;
    }

    private static List<Integer> frame(JsonNode figure) {
        return List.of(figure.get("width").asInt(), figure.get("height").asInt());
    }

    private static List<Double> corners(JsonNode box) {
        return List.of(box.get("x0").asDouble(), box.get("y0").asDouble(), box.get("x1").asDouble(), box.get("y1").asDouble());
    }

    private static long area(String counts) {
        int[] runs = CocoRle.parse(counts);
        long area = 0;
        for (int i = 1; i < runs.length; i += 2) area += runs[i];
        return area;
    }
}
