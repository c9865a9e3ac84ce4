package dev.loupe.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.engine.eval.BoxTotals;
import dev.loupe.engine.eval.MaskTotals;
import dev.loupe.engine.eval.Outcome;
import dev.loupe.engine.task.Task;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eval job end to end in local[2], with {@link ExpressionBoxLoader} as the model: its
 * predictions are written in the expressions, so every metric below is computed by hand.
 */
class EvalJobTest {
    static final Path MODEL = Path.of("..", "sample-data", "models", "smolvlm-text-q8_0.gguf").toAbsolutePath().normalize();
    static final Path MMPROJ = Path.of("..", "sample-data", "models", "smolvlm-mmproj-f16.gguf").toAbsolutePath().normalize();
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-eval-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void fakeModel() {
        spark.conf().set("spark.loupe.loader", ExpressionBoxLoader.class.getName());
    }

    @AfterEach
    void realModel() {
        spark.conf().unset("spark.loupe.loader");
    }

    /** This checkout's demo: the sample dataset, out/sample-eval and the tiny Youtu-VL stand in for options left out. */
    static final dev.loupe.job.DemoDefaults DEMO = new dev.loupe.job.DemoDefaults(Path.of(".."));

    static EvalOptions options(String... args) {
        picocli.CommandLine cli = EvalJob.commandLine(DEMO);
        cli.parseArgs(args);
        return ((EvalJob) cli.getCommand()).options();
    }

    /** --conf-file (issue 19) on the eval job: the file's options by name, the command line over them, the file's output not scratch. */
    @Test
    void aConfFileGivesTheEvalJobsOptions(@TempDir Path tmp) throws Exception {
        Path conf = tmp.resolve("eval.conf");
        Files.writeString(conf, "splits testA,val\nlimit 4\noutput /data/eval\nspark.loupe.maxTokens 16\n");
        String[] args = {"--conf-file", conf.toString(), "--limit", "2"};
        picocli.CommandLine cli = EvalJob.commandLine(DEMO, args);
        cli.parseArgs(args);

        EvalOptions o = ((EvalJob) cli.getCommand()).options();

        assertEquals(List.of("testA", "val"), o.splits());
        assertEquals(2, o.limit());
        assertEquals("/data/eval", o.output());
        assertEquals(dev.loupe.job.WriteMode.ERROR, o.mode(), "an output named in the file is not scratch space");
        assertEquals(16, o.model().maxTokens());
        assertEquals(DEMO.evalDataset().toString(), o.dataset());
    }

    /** --dry-run (issue 19): the demo would start, without Spark; a model that cannot ground, a missing column and a kept output are all listed. */
    @Test
    void aDryRunChecksTheModelTheDatasetAndTheOutputWithoutRunning(@TempDir Path tmp) throws Exception {
        StringWriter good = new StringWriter();
        int exit = EvalJob.commandLine(DEMO).setOut(new PrintWriter(good)).execute("--dry-run", "--output", tmp.resolve("new").toString());
        assertEquals(0, exit, good.toString());
        assertTrue(good.toString().contains("  model     Youtu-VL: " + DEMO.youtuVlModel()), good.toString());
        assertTrue(good.toString().contains("  dataset   " + DEMO.evalDataset() + ": 10 rows (objects), columns question_id, image,"), good.toString());
        assertTrue(good.toString().contains("  output    " + tmp.resolve("new") + " does not exist: the job creates it"), good.toString());
        assertTrue(good.toString().endsWith("loupe dry-run: OK, the job would start.\n"), good.toString());
        assertTrue(!Files.exists(tmp.resolve("new")), "a dry run writes nothing");

        StringWriter bad = new StringWriter();
        Path kept = Files.createDirectories(tmp.resolve("kept"));
        exit = EvalJob.commandLine(DEMO).setOut(new PrintWriter(bad)).execute("--dry-run", "--output", kept.toString(),
                "--model", DEMO.model().toString(), "--mmproj", DEMO.mmproj().toString(), "--expression-column", "sentence");
        assertEquals(2, exit, bad.toString());
        assertTrue(bad.toString().contains("""
                loupe dry-run: the job would stop:
                  - model: SmolVLM (llama + idefics3) does not ground (its tasks: caption, vqa, count, ocr, classify): pass a Qwen3-VL or Youtu-VL pair
                  - dataset: --dataset has no column sentence (its columns: question_id, image, question, answer, segmentation, bbox, iscrowd, file_name;"""),
                bad.toString());
        assertTrue(bad.toString().contains("  - output: --output " + kept + " already exists and --mode is error"), bad.toString());
    }

    @Test
    void eachOptionDefaultsOnItsOwn() {
        EvalOptions none = options();
        assertEquals(DEMO.evalDataset().toString(), none.dataset());
        assertEquals(DEMO.evalOutput().toString(), none.output());
        assertEquals(dev.loupe.job.WriteMode.OVERWRITE, none.mode(), "the default output is scratch space");
        assertEquals(DEMO.youtuVlMmproj().toString(), none.model().mmproj());

        EvalOptions named = options("--output", "/data/eval");
        assertEquals(DEMO.evalDataset().toString(), named.dataset());
        assertEquals(dev.loupe.job.WriteMode.ERROR, named.mode(), "an output the user names is not replaced unless asked");

        EvalOptions scoring = options("--predictions", "p.jsonl");
        assertNull(scoring.model(), "scoring predictions runs no model unless one is named");
        assertEquals(DEMO.evalDataset().toString(), scoring.dataset());

        EvalOptions refer = options("--instances", "i.json", "--refs", "r.json", "--images", "imgs");
        assertNull(refer.dataset(), "a refer-layout dataset replaces the demo's");
    }

    static byte[] png(int width, int height) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, (x * 7 + y * 13) & 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /**
     * Two splits in Hugging Face's shard names. Image a.png is 100x80, b.png 60x40, c.png does
     * not decode. Boxes are COCO x, y, w, h; polygons are rectangles, which pycocotools fills with
     * exactly w x h pixels.
     */
    Path dataset() throws Exception {
        byte[] a = png(100, 80), b = png(60, 40), corrupt = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        Path dir = Files.createDirectories(tmp.resolve("refcoco"));
        LmmsEvalParquet.write(dir.resolve("val-00000-of-00001.parquet"), List.of(
                new LmmsEvalParquet.Row("q1", "a.png", a, List.of("left [0,0,50,40]", "whole [10,10,60,50]"),
                        new float[] {0, 0, 50, 40}, new float[] {0, 0, 0, 40, 50, 40, 50, 0}),
                new LmmsEvalParquet.Row("q4", "a.png", a, List.of("bad truth [0,0,10,10]"), new float[] {1, 2, 3}, new float[0]),
                new LmmsEvalParquet.Row("q5", "b.png", b, List.of("half [10,10,30,20]"), new float[] {10, 10, 20, 20}, new float[0])));
        LmmsEvalParquet.write(dir.resolve("testA-00000-of-00001.parquet"), List.of(
                new LmmsEvalParquet.Row("q2", "b.png", b, List.of("nothing here"), new float[] {10, 10, 20, 20},
                        new float[] {10, 10, 10, 30, 30, 30, 30, 10}),
                new LmmsEvalParquet.Row("q3", "c.png", corrupt, List.of("broken [0,0,5,5]"), new float[] {0, 0, 5, 5},
                        new float[] {0, 0, 0, 5, 5, 5, 5, 0})));
        return dir;
    }

    private EvalReport run(String... args) {
        return EvalJob.run(spark, options(args), new PrintWriter(new StringWriter()));
    }

    @Test
    void aModelRunScoresBoxesAndMasksAsComputedByHand() throws Exception {
        Path out = tmp.resolve("eval");
        EvalReport report = run("--dataset", dataset().toString(), "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString());

        // REC. q1#0: the true box, IoU 1. q1#1: (10,10,60,50) on (0,0,50,40): 40 x 30 = 1200 shared of
        // 2000 + 2000 - 1200 = 2800, IoU 3/7, centre (35, 30) inside. q5: (10,10,30,20) on (10,10,30,30):
        // 200 of 400, IoU 0.5 exactly, a hit at 0.5. q2: no box (unparsed); q3: undecodable (error);
        // q4: a bbox of three numbers, left out.
        BoxTotals boxes = report.scoreboard().boxes();
        assertEquals(5, boxes.samples());
        assertEquals(List.of(0.6, 0.6, 0.4, 0.2, 0.2), List.of(boxes.accuracy(0), boxes.accuracy(1), boxes.accuracy(2), boxes.accuracy(3), boxes.accuracy(4)));
        assertEquals((1 + 3.0 / 7 + 0.5) / 5, boxes.meanIou(), 1e-15);
        assertEquals(0.6, boxes.centreAccuracy());
        assertEquals(List.of(3L, 1L, 1L, 0L, 1L), counts(boxes));
        BoxTotals val = report.scoreboard().boxesBySplit().get("val"), testA = report.scoreboard().boxesBySplit().get("testA");
        assertEquals(3, val.samples(), "q1#0, q1#1, q5 (q4 is bad truth)");
        assertEquals(2.0 / 3, val.accuracy(2));
        assertEquals((1 + 3.0 / 7 + 0.5) / 3, val.meanIou(), 1e-15);
        assertEquals(2, testA.samples());
        assertEquals(0, testA.meanIou());

        // RES: rectangles. q1#0: 2000 of 2000; q1#1: 1200 of 2800; q2 unparsed: 0 of its 400;
        // q3: no image size to rasterize its polygon with (undecodable): bad truth; q4, q5: no mask.
        MaskTotals masks = report.scoreboard().masks();
        assertEquals(3, masks.samples());
        assertEquals((1 + 3.0 / 7 + 0) / 3, masks.gIou(), 1e-15);
        assertEquals(3200.0 / 5200, masks.cIou(), 1e-15);
        assertEquals(List.of(2L, 1L, 0L, 0L, 1L), counts(masks));

        Map<String, Row> rows = samples(out);
        assertEquals(6, rows.size());
        Row q11 = rows.get("q1#1");
        assertEquals("a.png", q11.getAs("image_id"));
        assertEquals("val", q11.getAs("split"));
        assertEquals("whole [10,10,60,50]", q11.getAs("expression"));
        assertEquals("scored", q11.getAs("box_outcome"));
        assertEquals(3.0 / 7, q11.<Double>getAs("box_iou"), 1e-15);
        assertEquals(List.of(true, true, false, false, false, true), List.of(q11.getAs("hit_0_1"), q11.getAs("hit_0_3"), q11.getAs("hit_0_5"),
                q11.getAs("hit_0_7"), q11.getAs("hit_0_9"), q11.getAs("centre_hit")));
        assertEquals(List.of(0.0, 0.0, 50.0, 40.0), box(q11.getAs("truth_box")));
        assertEquals(List.of(10.0, 10.0, 60.0, 50.0), box(q11.getAs("predicted_box")));
        assertEquals("box [10,10,60,50]", q11.getAs("answer"));
        assertEquals(1200L, q11.<Long>getAs("mask_intersection"));
        assertEquals(2800L, q11.<Long>getAs("mask_union"));
        assertEquals(true, rows.get("q5#0").getAs("hit_0_5"), "IoU 0.5 is a hit at 0.5");
        assertEquals("unparsed", rows.get("q2#0").getAs("box_outcome"));
        assertEquals("no box in the answer", rows.get("q2#0").getAs("box_problem"));
        assertEquals("error", rows.get("q3#0").getAs("box_outcome"));
        assertTrue(rows.get("q3#0").<String>getAs("box_problem").contains("cannot decode image"), (String) rows.get("q3#0").getAs("box_problem"));
        assertEquals("bad_truth", rows.get("q3#0").getAs("mask_outcome"));
        assertEquals("bad_truth", rows.get("q4#0").getAs("box_outcome"));
        assertTrue(rows.get("q4#0").<String>getAs("box_problem").contains("not four numbers"), (String) rows.get("q4#0").getAs("box_problem"));
        assertNull(rows.get("q4#0").getAs("mask_outcome"), "no mask in the ground truth: not evaluated");

        // The files are what schemas/evaluation.avsc says: parquet-avro reads them with it.
        Map<String, GenericRecord> records = new HashMap<>();
        for (GenericRecord g : readWithAvsc(out.resolve("samples"))) records.put(g.get("sample_id").toString(), g);
        assertEquals(rows.keySet(), records.keySet());
        assertEquals(3.0 / 7, (Double) records.get("q1#1").get("box_iou"), 1e-15);
        assertEquals(50.0, ((GenericRecord) records.get("q1#1").get("truth_box")).get("x1"));
        assertEquals(2800L, records.get("q1#1").get("mask_union"));

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(0.4, summary.at("/rec/overall/acc@0.5").asDouble());
        assertEquals(2.0 / 3, summary.at("/rec/splits/val/acc@0.5").asDouble());
        assertEquals(1, summary.at("/rec/overall/outcomes/unparsed").asLong());
        assertEquals(3200.0 / 5200, summary.at("/res/overall/ciou").asDouble(), 1e-15);
        assertEquals("ground,segment", summary.get("tasks").asText());
        assertTrue(Files.isDirectory(out.resolve("ground")) && Files.isDirectory(out.resolve("segment")), "the annotations are kept");
    }

    @Test
    void scoringTheRunsOwnAnnotationsGivesTheSameMetricsAndRows() throws Exception {
        Path data = dataset();
        Path run = tmp.resolve("run"), rescored = tmp.resolve("rescored");
        run("--dataset", data.toString(), "--output", run.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString());
        run("--dataset", data.toString(), "--output", rescored.toString(), "--predictions", run.resolve("ground").toString(),
                "--mask-predictions", run.resolve("segment").toString());

        assertEquals(samples(run), samples(rescored));
        ObjectNode a = (ObjectNode) new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        ObjectNode b = (ObjectNode) new ObjectMapper().readTree(rescored.resolve("summary.json").toFile());
        assertEquals(a.get("rec"), b.get("rec"));
        assertEquals(a.get("res"), b.get("res"));
    }

    /** --resume keeps the annotations of an earlier run and sends only the samples they lack to the model. */
    @Test
    void resumingRunsOnlyTheSamplesTheOutputLacks() throws Exception {
        Path data = dataset(), out = tmp.resolve("resumed");
        String[] first = {"--dataset", data.toString(), "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(),
                "--splits", "val"};
        run(first);
        int before = ExpressionBoxLoader.CALLS.get();
        EvalReport all = run("--dataset", data.toString(), "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(),
                "--resume");
        // The val run grounded q1#0, q1#1, q4#0, q5#0 and segmented q1#0, q1#1; testA adds q2#0 and q3#0 to each task.
        assertEquals(4, ExpressionBoxLoader.CALLS.get() - before, "only testA's two samples, grounded and segmented");
        assertEquals(5, all.scoreboard().boxes().samples());
        assertEquals(0.4, all.scoreboard().boxes().accuracy(2), "the metrics of the whole dataset, as in one run");
        assertEquals(6, spark.read().parquet(out.resolve("ground").toString()).count(), "no sample twice");
    }

    @Test
    void anyTableMatchedOnImageAndExpressionWithCocoBoxes() throws Exception {
        Path predictions = tmp.resolve("predictions.jsonl");
        Files.writeString(predictions, String.join("\n",
                // q1#0: x,y,w,h (0,0,25,40) on (0,0,50,40): 1000 of 2000
                "{\"img\": \"a.png\", \"expr\": \"left [0,0,50,40]\", \"bbox\": [0, 0, 25, 40]}",
                // q5: two rows for one sample
                "{\"img\": \"b.png\", \"expr\": \"half [10,10,30,20]\", \"bbox\": [10, 10, 20, 20]}",
                "{\"img\": \"b.png\", \"expr\": \"half [10,10,30,20]\", \"bbox\": [10, 10, 20, 10]}",
                // q2: not four numbers
                "{\"img\": \"b.png\", \"expr\": \"nothing here\", \"bbox\": [1, 2]}",
                // q3: exact
                "{\"img\": \"c.png\", \"expr\": \"broken [0,0,5,5]\", \"bbox\": [0, 0, 5, 5]}",
                // no such sample: ignored
                "{\"img\": \"z.png\", \"expr\": \"elsewhere\", \"bbox\": [0, 0, 5, 5]}"));
        Path out = tmp.resolve("scored");
        EvalReport report = run("--dataset", dataset().toString(), "--output", out.toString(), "--predictions", predictions.toString(),
                "--prediction-id-column", "img", "--prediction-expression-column", "expr", "--prediction-box-column", "bbox",
                "--prediction-box-format", "xywh");

        BoxTotals boxes = report.scoreboard().boxes();
        assertEquals(5, boxes.samples());
        assertEquals((0.5 + 1) / 5, boxes.meanIou(), 1e-15);
        assertEquals(2.0 / 5, boxes.accuracy(2), "q1#0 at exactly 0.5 and q3");
        assertEquals(List.of(2L, 1L, 1L, 1L, 1L), counts(boxes), "scored q1#0, q3; unparsed q2; error q5 (two rows); missing q1#1; bad q4");
        Map<String, Row> rows = samples(out);
        assertEquals("2 predictions for this sample; one expected", rows.get("q5#0").getAs("box_problem"));
        assertEquals("missing", rows.get("q1#1").getAs("box_outcome"));
        assertEquals(0, report.scoreboard().masks().samples(), "no mask predictions: masks not evaluated");
    }

    @Test
    void badOptionsAndDatasetsAreRefusedNamingTheCulprit() throws Exception {
        Path data = dataset();
        String out = tmp.resolve("x").toString();
        Exception e = assertThrows(IllegalArgumentException.class, () -> run("--dataset", data.toString(), "--output", out,
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--bbox-column", "box"));
        assertTrue(e.getMessage().contains("--bbox-column box: no such column") && e.getMessage().contains("question_id"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--dataset", data.toString(), "--output", out,
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--expression-column", "bbox"));
        assertTrue(e.getMessage().contains("--expression-column bbox") && e.getMessage().contains("array<float>"), e.getMessage());
        assertEquals(DEMO.youtuVlModel().toString(), options("--dataset", data.toString(), "--output", out).model().model(),
                "no model and no predictions: the demo model runs (options compose, issue 19)");
        e = assertThrows(IllegalArgumentException.class, () -> options("--dataset", data.toString(), "--output", out, "--model", "m.gguf"));
        assertTrue(e.getMessage().startsWith("--mmproj is required with --model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("--dataset", data.toString(), "--output", out, "--predictions", data.toString(),
                "--prediction-id-column", "question_id", "--prediction-box-column", "nope"));
        assertTrue(e.getMessage().contains("--prediction-box-column nope"), e.getMessage());

        Files.createDirectories(Path.of(out)).resolve("old").toFile().createNewFile();
        e = assertThrows(IllegalArgumentException.class, () -> run("--dataset", data.toString(), "--output", out,
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        assertTrue(e.getMessage().contains("exists") && e.getMessage().contains("--mode overwrite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run("--dataset", data.toString(), "--output", out, "--mode", "overwrite",
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--bbox-column", "box"));
        assertTrue(Files.exists(Path.of(out, "old")), "a refused run leaves the output as it was, even with --mode overwrite");
    }

    @Test
    void segmentationRunsOnlyWhereTheDatasetHasMasksAndTheModelCanSegment() {
        EvalOptions o = options("--dataset", "d", "--output", "o", "--model", "m", "--mmproj", "p");
        Set<Task> youtu = EnumSet.allOf(Task.class), qwen = EnumSet.of(Task.CAPTION, Task.VQA, Task.GROUND, Task.DETECT);
        assertEquals(EnumSet.of(Task.GROUND, Task.SEGMENT), EvalJob.chooseTasks(o, true, youtu));
        assertEquals(EnumSet.of(Task.GROUND), EvalJob.chooseTasks(o, false, youtu));
        assertEquals(EnumSet.of(Task.GROUND), EvalJob.chooseTasks(o, true, qwen));
        Exception e = assertThrows(IllegalArgumentException.class, () -> EvalJob.chooseTasks(o, true, EnumSet.of(Task.CAPTION, Task.VQA)));
        assertTrue(e.getMessage().contains("cannot run task 'ground'"), e.getMessage());
        EvalOptions segment = options("--dataset", "d", "--output", "o", "--model", "m", "--mmproj", "p", "--tasks", "segment");
        assertThrows(IllegalArgumentException.class, () -> EvalJob.chooseTasks(segment, true, qwen));
        assertThrows(IllegalArgumentException.class, () -> EvalJob.chooseTasks(segment, false, youtu));
        assertThrows(IllegalArgumentException.class, () -> options("--dataset", "d", "--output", "o", "--model", "m", "--mmproj", "p", "--tasks", "caption"));
    }

    /**
     * The refer layout: instances.json (a polygon for one object, uncompressed RLE for the other,
     * image sizes), refs as a JSON array or JSON Lines (sent_id as the sample id; a ref whose
     * annotation is not in instances.json is bad ground truth) and an image directory.
     */
    @Test
    void theReferLayoutReadsInstancesRefsAndImages() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.write(images.resolve("a.png"), png(100, 80));
        Files.write(images.resolve("b.png"), png(60, 40));
        byte[] square = new byte[60 * 40]; // rows 10..29, columns 10..29 of a 60x40 image
        for (int y = 10; y < 30; y++) for (int x = 10; x < 30; x++) square[y * 60 + x] = 1;
        String rle = java.util.Arrays.toString(dev.loupe.engine.task.CocoRle.counts(square, 60, 40));
        Path instances = tmp.resolve("instances.json");
        Files.writeString(instances, """
                {"info": {"description": "test"}, "images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 80},
                  {"id": 2, "file_name": "b.png", "width": 60, "height": 40}, {"id": 3, "file_name": "unused.png", "width": 1, "height": 1}],
                 "annotations": [{"id": 10, "image_id": 1, "bbox": [0, 0, 50, 40], "segmentation": [[0, 0, 0, 40, 50, 40, 50, 0]], "iscrowd": 0},
                  {"id": 11, "image_id": 2, "bbox": [10, 10, 20, 20], "segmentation": {"size": [40, 60], "counts": %s}, "iscrowd": 1},
                  {"id": 12, "image_id": 3, "bbox": [0, 0, 1, 1], "segmentation": [[0, 0, 0, 1, 1, 1]]}],
                 "categories": [{"id": 1, "name": "thing"}]}""".formatted(rle));
        List<String> refs = List.of(
                "{\"ref_id\": 100, \"ann_id\": 10, \"image_id\": 1, \"split\": \"val\", \"sentences\": [{\"sent\": \"left [0,0,50,40]\", \"sent_id\": 1000}, {\"sent\": \"wide [0,0,100,40]\", \"sent_id\": 1001}]}",
                "{\"ref_id\": 101, \"ann_id\": 11, \"image_id\": 2, \"split\": \"testB\", \"sentences\": [{\"sent\": \"square [10,10,30,30]\", \"sent_id\": 1002}]}",
                "{\"ref_id\": 102, \"ann_id\": 99, \"image_id\": 2, \"split\": \"testB\", \"sentences\": [{\"sent\": \"ghost [0,0,1,1]\"}]}");
        Path array = tmp.resolve("refs.json"), lines = tmp.resolve("refs.jsonl");
        Files.writeString(array, "[" + String.join(",\n", refs) + "]");
        Files.writeString(lines, String.join("\n", refs) + "\n");

        for (Path refsFile : List.of(array, lines)) {
            Path out = tmp.resolve("refer-" + refsFile.getFileName());
            EvalReport report = run("--instances", instances.toString(), "--refs", refsFile.toString(), "--images", images.toString(),
                    "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString());
            // 1000: exact; 1001: (0,0,100,40) on (0,0,50,40), 2000 of 4000; 1002: exact, its mask the RLE's 400 pixels.
            BoxTotals boxes = report.scoreboard().boxes();
            assertEquals(3, boxes.samples(), refsFile.toString());
            assertEquals(2.5 / 3, boxes.meanIou(), 1e-15);
            assertEquals(1.0, boxes.accuracy(2));
            assertEquals(1, boxes.count(Outcome.BAD_TRUTH), "ref 102's annotation is not in instances.json");
            assertEquals(List.of("testB", "val"), List.copyOf(report.scoreboard().boxesBySplit().keySet()));
            MaskTotals masks = report.scoreboard().masks();
            assertEquals(3, masks.samples());
            assertEquals(2.5 / 3, masks.gIou(), 1e-15);
            assertEquals(4400.0 / 6400, masks.cIou(), 1e-15);
            Map<String, Row> rows = samples(out);
            assertEquals(List.of("1000", "1001", "1002", "102#0"), rows.keySet().stream().sorted().toList());
            assertEquals("b.png", rows.get("1002").getAs("image_id"));
            assertEquals(400L, rows.get("1002").<Long>getAs("mask_union"));
            assertEquals("no ground-truth box", rows.get("102#0").getAs("box_problem"));
        }
    }

    static List<Long> counts(BoxTotals t) {
        return List.of(t.count(Outcome.SCORED), t.count(Outcome.UNPARSED), t.count(Outcome.ERROR), t.count(Outcome.MISSING), t.count(Outcome.BAD_TRUTH));
    }

    static List<Long> counts(MaskTotals t) {
        return List.of(t.count(Outcome.SCORED), t.count(Outcome.UNPARSED), t.count(Outcome.ERROR), t.count(Outcome.MISSING), t.count(Outcome.BAD_TRUTH));
    }

    static Map<String, Row> samples(Path out) {
        return samples(spark, out);
    }

    static Map<String, Row> samples(SparkSession spark, Path out) {
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("samples").toString()).collectAsList()) rows.put(r.getAs("sample_id"), r);
        return rows;
    }

    static List<GenericRecord> readWithAvsc(Path dir) throws Exception {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.read.schema", EvaluationSchema.avro().toString());
        List<GenericRecord> records = new ArrayList<>();
        List<Path> parts;
        try (Stream<Path> files = Files.list(dir)) {
            parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
        for (Path part : parts) {
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(part), conf)
                    .withDataModel(GenericData.get()).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) records.add(r);
            }
        }
        return records;
    }

    private static List<Double> box(Row b) {
        return List.of(b.getAs("x0"), b.getAs("y0"), b.getAs("x1"), b.getAs("y1"));
    }
}
