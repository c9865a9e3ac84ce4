package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.ModelCache;
import dev.loupe.udf.ModelKey;
import dev.loupe.udf.RowSeeds;
import dev.loupe.udf.RunMetrics;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The annotate job end to end in local[2], with {@link SizeCaptionLoader} standing in for the engine. */
class AnnotateJobTest {
    static final Path SAMPLES = Path.of("..", "sample-data", "images").toAbsolutePath().normalize();
    static final Path MODEL = Path.of("..", "sample-data", "models", "smolvlm-text-q8_0.gguf").toAbsolutePath().normalize();
    static final Path MMPROJ = Path.of("..", "sample-data", "models", "smolvlm-mmproj-f16.gguf").toAbsolutePath().normalize();
    /** Sizes of the sample images, from their headers (see sample-data/images/LICENSES.md). */
    static final Map<String, String> SIZES = Map.of("china.jpg", "640x427", "chelsea.png", "451x300",
            "synth_tall_37x300.png", "37x300", "synth_rgba_96x64.png", "96x64");

    private static SparkSession spark;
    private static final AtomicInteger TASKS_STARTED = new AtomicInteger();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-job-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                TASKS_STARTED.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @BeforeEach
    void fakeEngine() {
        spark.conf().set("spark.loupe.loader", SizeCaptionLoader.class.getName());
    }

    @AfterEach
    void realEngine() {
        spark.conf().unset("spark.loupe.loader");
    }

    @Test
    void annotatesAnImageDirectoryIntoParquetThatMatchesTheAvroSchema() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String name : SIZES.keySet()) Files.copy(SAMPLES.resolve(name), in.resolve(name));
        Files.createDirectories(in.resolve("sub"));
        Files.copy(SAMPLES.resolve("chelsea.png"), in.resolve("sub/CHELSEA-COPY.PNG"));
        // A PNG signature followed by junk: an image file that does not decode.
        Files.write(in.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2, 3});
        Files.write(in.resolve("empty.jpg"), new byte[0]);
        Files.writeString(in.resolve("notes.txt"), "not an image: skipped by the extension filter");
        Files.copy(SAMPLES.resolve("china.jpg"), in.resolve("._china.jpg")); // macOS metadata: hidden, skipped
        Files.createDirectories(in.resolve("_temporary"));
        Files.copy(SAMPLES.resolve("china.jpg"), in.resolve("_temporary/china.jpg")); // hidden directory, skipped
        Path out = tmp.resolve("out");

        JobSummary summary = AnnotateJob.run(spark, options("--input", in.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "5"));

        assertEquals(7, summary.rows(), "4 samples + a copy in a sub-directory + corrupt + empty; notes.txt and hidden files skipped");
        assertEquals(2, summary.errors());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));

        Map<String, GenericRecord> byFile = new HashMap<>();
        for (GenericRecord r : readWithAvsc(out)) {
            String id = r.get("image_id").toString();
            assertTrue(id.startsWith("file:/"), "image_id is the file's path: " + id);
            byFile.put(id.substring(id.lastIndexOf('/') + 1), r);
        }
        assertEquals(7, byFile.size());
        for (var e : SIZES.entrySet()) {
            GenericRecord r = byFile.get(e.getKey());
            assertEquals("a " + e.getValue() + " image", r.get("text").toString(), e.getKey());
            assertNull(r.get("error"), e.getKey());
            assertEquals("caption", r.get("task").toString());
            assertEquals("Describe this image.", r.get("prompt").toString());
            assertEquals("smolvlm-text-q8_0.gguf", r.get("model").toString());
            assertEquals("stop", r.get("finish_reason").toString());
            String[] wh = e.getValue().split("x");
            assertEquals(Integer.parseInt(wh[0]), r.get("image_width"));
            assertEquals(Integer.parseInt(wh[1]), r.get("image_height"));
            GenericRecord box = (GenericRecord) ((List<?>) r.get("boxes")).getFirst();
            assertEquals(Float.parseFloat(wh[0]), box.get("x1"));
            assertEquals(0f, box.get("y0"));
            assertNull(box.get("score"));
            assertTrue((Double) r.get("seconds") >= 0);
            assertEquals(SizeCaptionLoader.STAGES.imagePositions(), r.get("image_tokens"));
            assertEquals(SizeCaptionLoader.STAGES.encodeSeconds(), r.get("encode_seconds"));
            assertEquals(SizeCaptionLoader.STAGES.decodeSeconds(), r.get("decode_seconds"));
        }
        assertEquals("a 451x300 image", byFile.get("CHELSEA-COPY.PNG").get("text").toString());

        GenericRecord corrupt = byFile.get("corrupt.png");
        assertTrue(corrupt.get("error").toString().startsWith("cannot decode image"), corrupt.get("error").toString());
        GenericRecord empty = byFile.get("empty.jpg");
        assertEquals("empty image (0 bytes)", empty.get("error").toString());
        for (GenericRecord bad : List.of(corrupt, empty)) {
            for (String f : List.of("text", "boxes", "image_width", "generated_tokens", "finish_reason")) assertNull(bad.get(f), f);
            assertEquals("caption", bad.get("task").toString());
        }
        assertEquals(List.of(new JobSummary.ErrorCount(corrupt.get("error").toString(), 1),
                new JobSummary.ErrorCount("empty image (0 bytes)", 1)), summary.commonErrors());
    }

    /**
     * Masks and depth maps reach Parquet as the .avsc says: the semantic task's masks (COCO RLE
     * over the original image) and the depth task's grid of 16x16-pixel cells, codes row-major
     * (the stand-in engine answers as Youtu-VL does; the engine's parsers read it).
     */
    @Test
    void denseTasksWriteMasksAndDepthGrids() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("dense-in"));
        Files.copy(SAMPLES.resolve("chelsea.png"), in.resolve("chelsea.png")); // 451x300
        Path semantic = tmp.resolve("semantic"), depth = tmp.resolve("depth");
        AnnotateJob.run(spark, options("--input", in.toString(), "--output", semantic.toString(), "--task", "semantic",
                "--prompt", "top, bottom", "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        AnnotateJob.run(spark, options("--input", in.toString(), "--output", depth.toString(), "--task", "depth",
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));

        GenericRecord s = readWithAvsc(semantic).getFirst();
        assertNull(s.get("error"));
        assertNull(s.get("parse_error"));
        List<?> masks = (List<?>) s.get("masks");
        assertEquals(2, masks.size());
        GenericRecord top = (GenericRecord) masks.getFirst();
        assertEquals("top", top.get("label").toString());
        assertEquals(List.of(300, 451), List.of(top.get("height"), top.get("width")));
        // Column-major: each of the 451 columns is 150 pixels of top, then 150 of bottom.
        int[] counts = dev.loupe.engine.task.CocoRle.parse(top.get("counts").toString());
        assertEquals(0, counts[0]);
        assertEquals(List.of(150, 150, 150), List.of(counts[1], counts[2], counts[counts.length - 1]));
        assertEquals(1 + 2 * 451, counts.length, "an empty run of zeros, then per column a run of 150 ones and one of 150 zeros");
        assertNull(s.get("depth"));

        GenericRecord d = readWithAvsc(depth).getFirst();
        assertNull(d.get("parse_error"));
        GenericRecord grid = (GenericRecord) d.get("depth");
        assertEquals(List.of(18, 28), List.of(grid.get("grid_height"), grid.get("grid_width")), "300/16 rows, 451/16 columns");
        List<?> codes = (List<?>) grid.get("codes");
        assertEquals(18 * 28, codes.size());
        assertEquals(List.of(0, 29, 503), List.of(codes.get(0), codes.get(29), codes.get(503)));
        assertNull(d.get("masks"));
    }

    @Test
    void readsAJsonLinesTableOfRelativePathsWithPerRowTasksAndPrompts() throws Exception {
        Path table = tmp.resolve("table");
        Files.createDirectories(table.resolve("images"));
        Files.copy(SAMPLES.resolve("china.jpg"), table.resolve("images/china.jpg"));
        Files.copy(SAMPLES.resolve("chelsea.png"), table.resolve("images/chelsea.png"));
        Files.writeString(table.resolve("requests.jsonl"), String.join("\n",
                "{\"key\": \"a\", \"file\": \"images/china.jpg\"}",
                "{\"key\": \"b\", \"file\": \"images/chelsea.png\", \"kind\": \"vqa\", \"ask\": \"What animal is this?\"}",
                "{\"key\": \"c\", \"file\": \"images/chelsea.png\", \"kind\": \"vqa\"}",
                "{\"key\": \"d\", \"file\": \"images/missing.png\"}",
                "{\"key\": \"e\", \"file\": \"" + table.resolve("images/china.jpg") + "\", \"kind\": \"paint\"}"));
        Path out = tmp.resolve("out");

        JobSummary summary = AnnotateJob.run(spark, options("--input", table.resolve("requests.jsonl").toString(),
                "--image-column", "file", "--id-column", "key", "--task-column", "kind", "--prompt-column", "ask",
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));

        assertEquals(5, summary.rows());
        assertEquals(3, summary.errors());
        Map<String, Row> byKey = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) byKey.put(r.getAs("image_id"), r);
        assertEquals("a 640x427 image", byKey.get("a").getAs("text"));
        assertEquals("answer to What animal is this?", byKey.get("b").getAs("text"));
        assertEquals("task 'vqa' needs a prompt (the question to answer)", byKey.get("c").getAs("error"));
        String missing = byKey.get("d").getAs("error");
        assertTrue(missing.startsWith("cannot read image file:" + table.resolve("images/missing.png")), missing);
        assertEquals("unknown task 'paint'; known tasks: caption, vqa, ground, detect, segment, pose, semantic, depth, core, segment-refined, segment-open, point, count, ocr, classify", byKey.get("e").getAs("error"));
    }

    /**
     * Point, count and OCR rows of a table, categories from a string column, written as the .avsc
     * says (the stand-in engine answers as Qwen3-VL would, the engine's parsers read it): counts
     * of distinct boxes, points in original-image pixels, OCR text without its code fence, and
     * rows whose task takes no categories, or that say neither what to count nor categories, as errors.
     */
    @Test
    void pointCountAndOcrRowsWithPerRowCategories() throws Exception {
        Path table = tmp.resolve("tasks");
        Files.createDirectories(table);
        Files.copy(SAMPLES.resolve("china.jpg"), table.resolve("china.jpg")); // 640x427
        Files.copy(SAMPLES.resolve("chelsea.png"), table.resolve("chelsea.png")); // 451x300
        Files.writeString(table.resolve("requests.jsonl"), String.join("\n",
                "{\"key\": \"a\", \"file\": \"china.jpg\", \"kind\": \"count\", \"cats\": \"dog, cat\"}",
                "{\"key\": \"b\", \"file\": \"chelsea.png\", \"kind\": \"point\", \"ask\": \"the cat\"}",
                "{\"key\": \"c\", \"file\": \"chelsea.png\", \"kind\": \"ocr\"}",
                "{\"key\": \"d\", \"file\": \"chelsea.png\", \"kind\": \"caption\", \"cats\": \"dog\"}",
                "{\"key\": \"e\", \"file\": \"chelsea.png\", \"kind\": \"count\"}"));
        Path out = tmp.resolve("tasks-out");
        JobSummary summary = AnnotateJob.run(spark, options("--input", table.resolve("requests.jsonl").toString(),
                "--id-column", "key", "--image-column", "file", "--task-column", "kind", "--prompt-column", "ask", "--categories-column", "cats",
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        assertEquals(5, summary.rows());
        assertEquals(2, summary.errors());

        Map<String, GenericRecord> byKey = new HashMap<>();
        for (GenericRecord r : readWithAvsc(out)) byKey.put(r.get("image_id").toString(), r);
        GenericRecord count = byKey.get("a");
        assertNull(count.get("error"));
        assertEquals("Locate every instance that belongs to the following categories: \"dog, cat\". Report bbox coordinates in JSON format.",
                count.get("prompt").toString());
        assertEquals(2, count.get("count"), "dog written twice counts once");
        List<?> boxes = (List<?>) count.get("boxes");
        assertEquals(List.of("dog", 0f, 0f, 640f, 427f), boxFields((GenericRecord) boxes.get(0)));
        assertEquals(List.of("cat", 0f, 0f, 640f, 427f), boxFields((GenericRecord) boxes.get(1)));
        assertNull(count.get("points"));
        assertNull(count.get("parse_error"));

        GenericRecord point = byKey.get("b");
        assertEquals("Locate the cat in this image and output the point coordinates in JSON format.", point.get("prompt").toString());
        List<?> points = (List<?>) point.get("points");
        assertEquals(1, points.size());
        GenericRecord p = (GenericRecord) points.getFirst();
        assertEquals(List.of("the cat", 225.5f, 150f), List.of(p.get("label").toString(), p.get("x"), p.get("y")));
        assertNull(point.get("count"));
        assertNull(point.get("boxes"));

        GenericRecord ocr = byKey.get("c");
        assertEquals("A 451X300 IMAGE", ocr.get("text").toString());
        assertEquals("Read all the text in the image.", ocr.get("prompt").toString());
        assertNull(ocr.get("parse_error"));

        assertEquals("task 'caption' takes no categories (got dog); detect, semantic, point and count do", byKey.get("d").get("error").toString());
        assertEquals("task 'count' needs a prompt (what to count, e.g. \"dogs\"; or categories: --categories, a categories column)",
                byKey.get("e").get("error").toString());
    }

    /** Categories as an array column; rows without theirs take the job's --categories. */
    @Test
    void anArrayCategoriesColumnAndTheJobsCategoriesForRowsWithout() throws Exception {
        Path table = tmp.resolve("points");
        Files.createDirectories(table);
        Files.copy(SAMPLES.resolve("chelsea.png"), table.resolve("chelsea.png")); // 451x300
        Files.writeString(table.resolve("requests.jsonl"), String.join("\n",
                "{\"key\": \"x\", \"file\": \"chelsea.png\", \"cats\": [\"cat\", \" dog \"]}",
                "{\"key\": \"y\", \"file\": \"chelsea.png\"}"));
        Path out = tmp.resolve("points-out");
        AnnotateJob.run(spark, options("--input", table.resolve("requests.jsonl").toString(), "--id-column", "key", "--image-column", "file",
                "--task", "point", "--categories", "bird", "--categories-column", "cats",
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        Map<String, GenericRecord> byKey = new HashMap<>();
        for (GenericRecord r : readWithAvsc(out)) byKey.put(r.get("image_id").toString(), r);
        assertEquals(List.of(List.of("cat", 225.5f, 150f), List.of("dog", 225.5f, 150f)), pointFields(byKey.get("x")));
        assertEquals(List.of(List.of("bird", 225.5f, 150f)), pointFields(byKey.get("y")));
        assertEquals("Locate every instance that belongs to the following categories: \"bird\". Report point coordinates in JSON format.",
                byKey.get("y").get("prompt").toString());
    }

    private static List<Object> boxFields(GenericRecord b) {
        return List.of(b.get("label").toString(), b.get("x0"), b.get("y0"), b.get("x1"), b.get("y1"));
    }

    private static List<List<Object>> pointFields(GenericRecord row) {
        assertNull(row.get("error"));
        return ((List<?>) row.get("points")).stream().map(o -> (GenericRecord) o)
                .map(p -> List.<Object>of(p.get("label").toString(), p.get("x"), p.get("y"))).toList();
    }

    /**
     * classify rows take their candidates from a labels column, else from --labels and
     * --labels-file; they write the best label as the text and every label with its probability
     * (the stand-in engine's: proportional to length), read back through the .avsc. A classify row
     * with no candidates fails alone, by name; rows of other tasks ignore the labels.
     */
    @Test
    void classifyRowsWriteTheBestLabelAndEveryLabelsProbability() throws Exception {
        Path table = tmp.resolve("classify");
        Files.createDirectories(table.resolve("images"));
        Files.copy(SAMPLES.resolve("chelsea.png"), table.resolve("images/chelsea.png"));
        Files.writeString(table.resolve("requests.jsonl"), String.join("\n",
                "{\"key\": \"own\", \"file\": \"images/chelsea.png\", \"cands\": [\"cat\", \"tabby cat\", \" \"]}",
                "{\"key\": \"job\", \"file\": \"images/chelsea.png\"}",
                "{\"key\": \"empty\", \"file\": \"images/chelsea.png\", \"cands\": []}",
                "{\"key\": \"caption\", \"file\": \"images/chelsea.png\", \"kind\": \"caption\", \"cands\": [\"x\"]}"));
        Path labelsFile = Files.writeString(tmp.resolve("labels.txt"), "a dog, sleeping\n\nox\n");
        Path out = tmp.resolve("out");

        JobSummary summary = AnnotateJob.run(spark, options("--input", table.resolve("requests.jsonl").toString(),
                "--image-column", "file", "--id-column", "key", "--task", "classify", "--task-column", "kind", "--labels-column", "cands",
                "--labels", "ant", "--labels-file", labelsFile.toString(), "--label-scoring", "mean",
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));

        assertEquals(4, summary.rows());
        assertEquals(0, summary.errors());
        Map<String, GenericRecord> byKey = new HashMap<>();
        for (GenericRecord r : readWithAvsc(out)) byKey.put(r.get("image_id").toString(), r);
        GenericRecord own = byKey.get("own");
        assertEquals("tabby cat", own.get("text").toString());
        assertEquals("scored", own.get("finish_reason").toString());
        assertEquals("Which of these best describes the image: cat, tabby cat? Answer with one of them.", own.get("prompt").toString());
        assertEquals(List.of("tabby cat 0.75", "cat 0.25"), labels(own));
        assertEquals(List.of("a dog, sleeping 0.75", "ant 0.15", "ox 0.1"), labels(byKey.get("job")), "the job's labels: --labels and the file's lines");
        assertEquals(labels(byKey.get("job")), labels(byKey.get("empty")), "an empty array is no labels of the row's own");
        assertEquals("a 451x300 image", byKey.get("caption").get("text").toString());
        assertNull(byKey.get("caption").get("labels"));

        Path none = tmp.resolve("none");
        summary = AnnotateJob.run(spark, options("--input", table.resolve("requests.jsonl").toString(), "--image-column", "file",
                "--id-column", "key", "--task", "classify", "--task-column", "kind", "--output", none.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        assertEquals(4, summary.rows());
        assertEquals(3, summary.errors(), "every classify row without candidates fails, the job does not");
        for (GenericRecord r : readWithAvsc(none)) {
            if (r.get("image_id").toString().equals("caption")) continue;
            assertTrue(r.get("error").toString().startsWith("task 'classify' needs candidate labels"), r.get("error").toString());
        }
    }

    /** A row's labels as "label probability" strings, most probable first. */
    private static List<String> labels(GenericRecord r) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) r.get("labels")) {
            GenericRecord l = (GenericRecord) o;
            out.add(l.get("label") + " " + Math.round((Float) l.get("probability") * 100) / 100.0);
        }
        return out;
    }

    @Test
    void aParquetTableOfBytesWithoutIdsIsKeyedByContentHash() throws Exception {
        byte[] china = Files.readAllBytes(SAMPLES.resolve("china.jpg"));
        Path table = tmp.resolve("bytes.parquet");
        spark.createDataFrame(List.of(RowFactory.create(china, "caption")),
                        new StructType().add("image", DataTypes.BinaryType).add("t", DataTypes.StringType))
                .write().parquet(table.toString());
        Path out = tmp.resolve("out");

        AnnotateJob.run(spark, options("--input", table.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));

        Row r = spark.read().parquet(out.toString()).first();
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(china)), r.getAs("image_id"));
        assertEquals("a 640x427 image", r.getAs("text"));
    }

    @Test
    void manyTasksInOneJvmLoadTheModelOnce() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("many"));
        for (int i = 0; i < 12; i++) ImageIO.write(new BufferedImage(10 + i, 7, BufferedImage.TYPE_INT_RGB), "png", in.resolve("img" + i + ".png").toFile());
        Path model = tmp.resolve("not-read-by-the-fake.gguf"); // a key of its own for this test
        Path out = tmp.resolve("out");
        SizeCaptionLoader.THREADS.clear();

        JobSummary summary = AnnotateJob.run(spark, options("--input", in.toString(), "--output", out.toString(),
                "--model", model.toString(), "--mmproj", MMPROJ.toString(), "--partitions", "12"));

        assertEquals(12, summary.rows());
        assertEquals(0, summary.errors());
        ModelKey key = new ModelKey(model.toString(), MMPROJ.toString(), SizeCaptionLoader.class.getName());
        assertEquals(1, ModelCache.shared().loadCount(key), "12 tasks, one model load");
        // The request list is built on the driver; Spark must still run the model in tasks, not
        // fold the UDF over a local relation on the driver.
        assertFalse(SizeCaptionLoader.THREADS.isEmpty());
        for (String thread : SizeCaptionLoader.THREADS) assertTrue(thread.startsWith("Executor task launch worker"), "model ran on " + thread);
    }

    @Test
    void theRunsAccumulatorsAndModelLoadsPerExecutorLandInTheSummaryAndItsJsonFile() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String name : SIZES.keySet()) Files.copy(SAMPLES.resolve(name), in.resolve(name));
        Files.write(in.resolve("empty.png"), new byte[0]);
        Path model = tmp.resolve("summary-model.gguf"); // a cache key of its own: this test's loads only
        Path out = tmp.resolve("out");

        JobSummary summary = AnnotateJob.run(spark, options("--input", in.toString(), "--output", out.toString(),
                "--model", model.toString(), "--mmproj", MMPROJ.toString(), "--partitions", "3"));

        // SizeCaptionLoader reports 12 prompt tokens, 3 generated tokens and SizeCaptionLoader.STAGES per image.
        assertEquals(new RunMetrics(5, 1, 4 * 12, 4 * 3, summary.run().annotateSeconds(),
                new RunMetrics.Stages(4 * 10, 4 * 0.25, 4 * 0.125, 4 * 0.5), Map.of("driver", 1)), summary.run());
        assertTrue(summary.run().annotateSeconds() > 0, "engine seconds are summed: " + summary.run());
        assertTrue(summary.seconds() >= summary.run().annotateSeconds() / 2, "wall time covers the run on 2 threads: " + summary);

        JsonNode json = new ObjectMapper().readTree(out.resolve("_loupe_summary.json").toFile());
        assertEquals(out.toString(), json.get("output").asText());
        assertEquals(model.toString(), json.get("model").asText());
        assertEquals(5, json.get("output_totals").get("images").asLong());
        assertEquals(1, json.get("output_totals").get("errors").asLong());
        assertEquals("empty image (0 bytes)", json.get("output_totals").get("common_errors").get(0).get("error").asText());
        JsonNode run = json.get("this_run");
        assertEquals(5, run.get("images").asLong());
        assertEquals(1, run.get("errors").asLong());
        assertEquals(48, run.get("prompt_tokens").asLong());
        assertEquals(12, run.get("generated_tokens").asLong());
        assertEquals(summary.run().annotateSeconds(), run.get("row_seconds_summed").asDouble());
        assertEquals(2, run.get("cores").asInt(), "local[2]: two task slots");
        assertEquals(5 * 3600 / summary.seconds(), run.get("images_per_hour").asDouble(), 1e-9);
        assertEquals(summary.seconds() * 2 / 3600 / 5 * 1e6, run.get("core_hours_per_million_images").asDouble(), 1e-6);
        assertEquals(40, run.get("image_tokens").asLong());
        assertEquals(1.0, run.get("encode_seconds").asDouble());
        assertEquals(0.5, run.get("prefill_seconds").asDouble());
        assertEquals(2.0, run.get("decode_seconds").asDouble());
        assertEquals(1, run.get("model_loads_by_executor").get("driver").asInt());
        assertEquals(1, run.get("model_loads_by_executor").size());
        assertEquals(5, spark.read().parquet(out.toString()).count(), "Spark's reader skips the _-prefixed summary file");
    }

    @Test
    void aCrashedRunKeepsOnlyWholeFinishedPartitionsAndResumeAnnotatesEveryOtherImageOnce() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (int i = 0; i < 12; i++) ImageIO.write(new BufferedImage(10 + i, 7, BufferedImage.TYPE_INT_RGB), "png", in.resolve(String.format("img%02d.png", i)).toFile());
        Path out = tmp.resolve("out");
        String[] args = {"--input", in.toString(), "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(),
                "--partitions", "6"};
        // Six partitions of two images in listing order; the last image (width 21) crashes its
        // task after its partition's first image was annotated, which fails the job (local mode
        // does not retry tasks). Partitions 0-3 have finished by then: local[2] only starts
        // partition 5 once all but one of the earlier ones are done.
        SizeCaptionLoader.crashOnWidth = 21;
        try {
            Exception e = assertThrows(Exception.class, () -> AnnotateJob.run(spark, options(args)));
            assertTrue(stackText(e).contains("simulated executor crash"), stackText(e));
        } finally {
            SizeCaptionLoader.crashOnWidth = -1;
        }

        assertFalse(Files.exists(out.resolve("_SUCCESS")), "no success marker after a failed run");
        Map<String, Long> rowsPerFile = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).selectExpr("input_file_name() AS f").collectAsList()) rowsPerFile.merge(r.getString(0), 1L, Long::sum);
        assertTrue(rowsPerFile.size() >= 4 && rowsPerFile.size() <= 5, "finished partitions are committed: " + rowsPerFile);
        for (long n : rowsPerFile.values()) assertEquals(2, n, "a file is a whole partition, never the crashed one's first row: " + rowsPerFile);
        Set<Integer> firstRun = widthsIn(out);
        assertFalse(firstRun.contains(20), "img10 shared the crashed task: " + firstRun);

        SizeCaptionLoader.WIDTHS.clear();
        JobSummary resumed = AnnotateJob.run(spark, options(concat(args, "--resume")));

        Set<Integer> all = new TreeSet<>();
        for (int w = 10; w < 22; w++) all.add(w);
        Set<Integer> rest = new TreeSet<>(all);
        rest.removeAll(firstRun);
        assertEquals(rest, new TreeSet<>(SizeCaptionLoader.WIDTHS), "the resumed run annotated exactly the missing images");
        assertEquals(rest.size(), SizeCaptionLoader.WIDTHS.size(), "each of them once");
        assertEquals(firstRun.size(), resumed.alreadyDone());
        assertEquals(rest.size(), resumed.run().images());
        assertEquals(12, resumed.rows());
        List<Row> ids = spark.read().parquet(out.toString()).groupBy("image_id").count().collectAsList();
        assertEquals(12, ids.size(), "every image is in the output");
        for (Row r : ids) assertEquals(1L, r.getLong(1), "once: " + r);
        assertEquals(all, widthsIn(out));
        assertTrue(Files.exists(out.resolve("_SUCCESS")));

        SizeCaptionLoader.WIDTHS.clear();
        JobSummary again = AnnotateJob.run(spark, options(concat(args, "--resume")));
        assertEquals(List.of(), List.copyOf(SizeCaptionLoader.WIDTHS), "nothing left to annotate");
        assertEquals(12, again.alreadyDone());
        assertEquals(0, again.run().images());
        assertEquals(12, again.rows());
    }

    @Test
    void resumingATableSkipsTheIdsTheOutputHolds() throws Exception {
        Path table = tmp.resolve("requests.jsonl");
        Files.writeString(table, String.join("\n",
                "{\"key\": \"a\", \"file\": \"" + SAMPLES.resolve("china.jpg") + "\"}",
                "{\"key\": \"b\", \"file\": \"" + SAMPLES.resolve("chelsea.png") + "\"}",
                "{\"key\": \"c\", \"file\": \"" + SAMPLES.resolve("synth_rgba_96x64.png") + "\"}"));
        Path out = tmp.resolve("out");
        // An earlier run that wrote "b"'s caption row (with a caption no fake would write, to see it kept);
        // resuming skips (image id, task) pairs, so the row names its task.
        StructType schema = AnnotationSchema.rowType();
        Object[] earlier = new Object[schema.size()];
        earlier[schema.fieldIndex("image_id")] = "b";
        earlier[schema.fieldIndex("task")] = "caption";
        earlier[schema.fieldIndex("text")] = "kept from the first run";
        spark.createDataFrame(List.of(RowFactory.create(earlier)), schema).write().parquet(out.toString());
        SizeCaptionLoader.WIDTHS.clear();

        JobSummary summary = AnnotateJob.run(spark, options("--input", table.toString(), "--image-column", "file", "--id-column", "key",
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--resume", "--partitions", "2"));

        assertEquals(Set.of(640, 96), Set.copyOf(SizeCaptionLoader.WIDTHS));
        assertEquals(1, summary.alreadyDone());
        Map<String, String> text = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) assertNull(text.put(r.getAs("image_id"), r.getAs("text")), "one row per id");
        assertEquals(Map.of("a", "a 640x427 image", "b", "kept from the first run", "c", "a 96x64 image"), text);

        int exit = AnnotateJob.commandLine().setErr(new PrintWriter(new StringWriter())).execute("--input", table.toString(),
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--resume", "--mode", "overwrite");
        assertEquals(2, exit, "--resume with --mode overwrite is refused");
    }

    private static Set<Integer> widthsIn(Path out) {
        Set<Integer> widths = new TreeSet<>();
        for (Row r : spark.read().parquet(out.toString()).select("image_width").collectAsList()) widths.add(r.getInt(0));
        return widths;
    }

    private static String[] concat(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void sampledRowsAreSeededFromTheJobSeedAndTheirImageIdWhateverTheTaskThatRunsThem() {
        Map<String, String> coarse = texts(AnnotateJob.run(spark, options("--input", SAMPLES.toString(), "--output", tmp.resolve("one").toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--temperature", "0.7", "--seed", "42", "--partitions", "1")));
        Map<String, String> fine = texts(AnnotateJob.run(spark, options("--input", SAMPLES.toString(), "--output", tmp.resolve("four").toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--temperature", "0.7", "--seed", "42", "--partitions", "4")));

        assertEquals(coarse, fine, "one task or four, the same rows");
        assertEquals(4, coarse.size());
        Set<String> seeds = new HashSet<>();
        for (var e : coarse.entrySet()) {
            String seed = ", seed " + RowSeeds.forRow(42, e.getKey());
            assertTrue(e.getValue().endsWith(seed), e + " sampled with" + seed);
            seeds.add(seed);
        }
        assertEquals(4, seeds.size(), "each row its own seed");
    }

    private static Map<String, String> texts(JobSummary summary) {
        Map<String, String> byId = new HashMap<>();
        for (Row r : spark.read().parquet(summary.output()).collectAsList()) byId.put(r.getAs("image_id"), r.getAs("text"));
        return byId;
    }

    @Test
    void aTruncatedModelFailsTheCommandBeforeAnyTaskNamingTheFile() throws Exception {
        Path cut = tmp.resolve("cut-text.gguf");
        byte[] all = Files.readAllBytes(MODEL);
        Files.write(cut, Arrays.copyOf(all, all.length - 1000));
        Path out = tmp.resolve("out");
        int tasksBefore = tasksStarted();
        StringWriter err = new StringWriter();

        int exit = AnnotateJob.commandLine().setErr(new PrintWriter(err)).execute("--input", SAMPLES.toString(),
                "--output", out.toString(), "--model", cut.toString(), "--mmproj", MMPROJ.toString());

        assertEquals(2, exit);
        String message = err.toString().strip();
        assertTrue(message.startsWith("loupe-annotate: " + cut + ": tensor "), message);
        assertTrue(message.endsWith("the file is truncated"), message);
        assertEquals(1, message.lines().count(), "one clear line, no stack trace");
        assertFalse(Files.exists(out));
        assertEquals(tasksBefore, tasksStarted());
    }

    @Test
    void aMissingMmprojFailsTheJobBeforeAnyTaskNamingTheFile() throws Exception {
        spark.conf().unset("spark.loupe.loader"); // the real engine's loader and its GGUF check
        Path missing = tmp.resolve("mmproj-nowhere.gguf");
        Path out = tmp.resolve("out");
        int tasksBefore = tasksStarted();

        GgufFormatException e = assertThrows(GgufFormatException.class, () -> AnnotateJob.run(spark, options(
                "--input", SAMPLES.toString(), "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", missing.toString())));

        assertEquals(missing + ": mmproj file does not exist", e.getMessage());
        assertFalse(Files.exists(out));
        assertEquals(tasksBefore, tasksStarted());
    }

    @Test
    void aBadMaxBatchFailsTheCommandBeforeAnyTaskNamingTheOption() throws Exception {
        Path out = tmp.resolve("out");
        int tasksBefore = tasksStarted();
        StringWriter err = new StringWriter();

        int exit = AnnotateJob.commandLine().setErr(new PrintWriter(err)).execute("--input", SAMPLES.toString(),
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-batch", "0");

        assertEquals(2, exit);
        assertEquals("loupe-annotate: option maxBatch (spark.loupe.maxBatch, --max-batch) must be auto or in 1..64, got 0", err.toString().strip());
        assertFalse(Files.exists(out));
        assertEquals(tasksBefore, tasksStarted());
    }

    @Test
    void aMaxLongestEdgeTheModelCannotTakeFailsTheCommandBeforeAnyTask() throws Exception {
        spark.conf().unset("spark.loupe.loader"); // the real engine's loader and its GGUF check
        Path out = tmp.resolve("out");
        int tasksBefore = tasksStarted();
        StringWriter err = new StringWriter();

        int exit = AnnotateJob.commandLine().setErr(new PrintWriter(err)).execute("--input", SAMPLES.toString(),
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-longest-edge", "300");

        assertEquals(2, exit);
        assertEquals("loupe-annotate: --max-longest-edge (spark.loupe.maxLongestEdge) 300 must be a multiple of the tile size 128 of "
                + MMPROJ + ", e.g. 256", err.toString().strip());
        assertFalse(Files.exists(out));
        assertEquals(tasksBefore, tasksStarted());
    }

    @Test
    void theCommandLineRunsTheJobAndPrintsASummary() {
        Path out = tmp.resolve("out");
        StringWriter stdout = new StringWriter();

        int exit = AnnotateJob.commandLine().setOut(new PrintWriter(stdout)).execute("--input", SAMPLES.toString(),
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--mode", "OVERWRITE");

        assertEquals(0, exit, stdout.toString());
        assertTrue(stdout.toString().startsWith("loupe annotate: 4 images, 4 annotated, 0 errors, 12 tokens generated"), stdout.toString());
        assertTrue(stdout.toString().contains("this run: 48 prompt tokens (40 of them image), 12 generated tokens"), stdout.toString());
        assertTrue(stdout.toString().contains("a row's time, summed over rows that overlap: encode 1.0 s, prefill 0.5 s, decode 2.0 s"), stdout.toString());
        assertTrue(stdout.toString().contains(" images/hour on 2 cores, "), stdout.toString());
        assertTrue(stdout.toString().contains("model loads per executor: driver="), stdout.toString());
        assertTrue(stdout.toString().contains("Parquet written to " + out), stdout.toString());
        assertFalse(spark.sparkContext().isStopped(), "the job leaves a session it did not create running");

        StringWriter err = new StringWriter();
        int again = AnnotateJob.commandLine().setErr(new PrintWriter(err)).execute("--input", SAMPLES.toString(),
                "--output", out.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString());
        assertEquals(2, again, "--mode error (the default) refuses an existing output");
        assertTrue(err.toString().contains("already exists"), err.toString());
    }

    /** This checkout's demo, what a left-out --input, --output, --model or --mmproj becomes. */
    static final DemoDefaults DEMO = new DemoDefaults(Path.of(".."));

    /**
     * {@code --output DIR} alone: the demo's images through the demo model, and the job says which
     * options it defaulted, first one per line, then in one line under the summary.
     */
    @Test
    void anOutputAloneRunsTheDemoAndReportsTheDefaults() {
        Path out = tmp.resolve("out");
        StringWriter stdout = new StringWriter();

        int exit = AnnotateJob.commandLine(DEMO).setOut(new PrintWriter(stdout)).execute("--output", out.toString());

        String text = stdout.toString();
        assertEquals(0, exit, text);
        assertTrue(text.startsWith("loupe annotate: defaults used (give an option to change just that one; --help lists them all):\n"
                + "  --input   " + DEMO.input() + "\n  --model   " + DEMO.model() + "\n  --mmproj  " + DEMO.mmproj()
                + "\n  --mode    error\n  --show    0\n  --task    caption\n"), text);
        assertTrue(text.contains("the demo model has RANDOM weights"), text);
        assertTrue(text.contains("loupe annotate: 4 images, 4 annotated, 0 errors"), text);
        assertTrue(text.contains("loupe annotate: defaults used: --input, --model, --mmproj, --mode error, --show 0, --task caption"), text);
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
    }

    static AnnotateOptions options(String... args) {
        picocli.CommandLine cli = AnnotateJob.commandLine(DEMO);
        cli.parseArgs(args);
        return ((AnnotateJob) cli.getCommand()).options();
    }

    static List<GenericRecord> readWithAvsc(Path output) throws Exception {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.read.schema", AnnotationSchema.avro().toString());
        conf.set("parquet.avro.write-old-list-structure", "false");
        List<GenericRecord> records = new ArrayList<>();
        List<Path> parts;
        try (Stream<Path> files = Files.list(output)) {
            parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
        assertFalse(parts.isEmpty(), "part files in " + output);
        for (Path part : parts) {
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(part), conf)
                    .withDataModel(GenericData.get()).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                    assertNotNull(r.getSchema().getField("error"));
                    records.add(r);
                }
            }
        }
        return records;
    }

    private static int tasksStarted() throws Exception {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        return TASKS_STARTED.get();
    }

    private static String stackText(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
