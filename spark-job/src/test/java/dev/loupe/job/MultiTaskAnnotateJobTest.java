package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.vlm.SmolVlmModel;
import dev.loupe.udf.ModelCache;
import dev.loupe.udf.ModelKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --tasks} (issue 15 item 6) with the real engine on the oracle's tiny SmolVLM: one row per
 * image and task under the image's id, each equal to the row the task writes in a job of its own;
 * the image encoded once for its tasks; a bad task name an error row; {@code --resume} per (image, task).
 */
class MultiTaskAnnotateJobTest {
    static final Path ORACLE = RealEngineAnnotateJobTest.ORACLE;
    static final Path MODEL = ORACLE.resolve("smolvlm/models/smolvlm-text-q8_0.gguf");
    static final Path MMPROJ = ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf");
    static final List<String> COLUMNS = List.of("text", "count", "labels", "prompt", "prompt_tokens", "generated_tokens", "finish_reason",
            "mean_logprob", "error");

    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-multi-task-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void eachImageGetsARowPerTaskEqualToTheTasksOwnJobFromOneEncode() throws Exception {
        Path in = images("china.jpg", "chelsea.png");
        Files.write(in.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        SmolVlmModel model = (SmolVlmModel) ModelCache.shared().get(new ModelKey(MODEL.toString(), MMPROJ.toString(), null));
        long encodesBefore = model.imagesEncoded();

        JobSummary summary = AnnotateJob.run(spark, options(in, tmp.resolve("all"), "--tasks", "caption, count,bogus,classify",
                "--categories", "dog", "--labels", "cat,dog"));

        assertEquals(2, model.imagesEncoded() - encodesBefore, "one encode per decodable image for its three tasks");
        assertEquals(3 * 4, summary.rows());
        Map<String, Row> together = byImageAndTask(tmp.resolve("all"));
        assertEquals(12, together.size(), "one row per (image, task): " + together.keySet());
        for (String image : List.of("china.jpg", "chelsea.png", "broken.png")) {
            Row bogus = together.get(image + " bogus");
            assertTrue(bogus.<String>getAs("error").contains("unknown task 'bogus'"), bogus.<String>getAs("error"));
            Row broken = together.get("broken.png caption");
            assertNotNull(broken.getAs("error"), "a bad image fails its rows");
        }
        // Each task's rows equal those of a job that asks only it.
        Map<String, Row> alone = new HashMap<>();
        alone.putAll(byImageAndTask(run(in, "caption")));
        alone.putAll(byImageAndTask(run(in, "count", "--categories", "dog")));
        alone.putAll(byImageAndTask(run(in, "classify", "--labels", "cat,dog")));
        for (String image : List.of("china.jpg", "chelsea.png")) {
            for (String task : List.of("caption", "count", "classify")) {
                Row a = alone.get(image + " " + task), t = together.get(image + " " + task);
                assertNull(t.getAs("error"), image + " " + task + ": " + t.getAs("error"));
                for (String c : COLUMNS) assertEquals((Object) a.getAs(c), t.getAs(c), c + " of " + image + " " + task);
            }
        }
        assertTrue(together.get("china.jpg count").<String>getAs("prompt").contains("dog"), "the categories reach count");
        assertNull(together.get("china.jpg caption").getAs("error"), "and not caption, which takes none");
    }

    @Test
    void resumeSkipsTheImageTaskPairsAlreadyWrittenOnly() throws Exception {
        Path in = images("china.jpg", "chelsea.png");
        Path out = tmp.resolve("out");
        AnnotateJob.run(spark, options(in, out, "--task", "caption"));
        Map<String, Row> first = byImageAndTask(out);
        assertEquals(2, first.size());

        AnnotateJob.run(spark, options(in, out, "--resume", "--tasks", "caption,ocr"));
        Map<String, Row> resumed = byImageAndTask(out);
        assertEquals(List.of("chelsea.png caption", "chelsea.png ocr", "china.jpg caption", "china.jpg ocr"), List.copyOf(resumed.keySet()));
        assertEquals(4, spark.read().parquet(out.toString()).count(), "no pair written twice");
        for (String k : first.keySet()) assertEquals((Object) first.get(k).getAs("seconds"), resumed.get(k).getAs("seconds"), k + " was kept");
    }

    /** A table's per-row task list (comma-separated or an array), resumed per pair through the broadcast anti-join. */
    @Test
    void aPerRowTaskListColumnAndItsResume() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        byte[] chelsea = Files.readAllBytes(ORACLE.resolve("images/chelsea.png"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType).add("tasks", DataTypes.StringType);
        Path table = tmp.resolve("requests.parquet");
        spark.createDataFrame(List.of(RowFactory.create("a", china, "caption,OCR"), RowFactory.create("b", chelsea, null)), schema)
                .write().parquet(table.toString());
        Path out = tmp.resolve("out");
        AnnotateJob.run(spark, options(table, out, "--id-column", "id", "--task", "caption"));
        assertEquals(List.of("a caption", "b caption"), List.copyOf(byId(out).keySet()));

        AnnotateJob.run(spark, options(table, out, "--id-column", "id", "--task", "ocr", "--task-column", "tasks", "--resume"));
        Map<String, Row> resumed = byId(out);
        assertEquals(List.of("a caption", "a ocr", "b caption", "b ocr"), List.copyOf(resumed.keySet()));
        assertEquals(4, spark.read().parquet(out.toString()).count());

        StructType arrays = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("tasks", DataTypes.createArrayType(DataTypes.StringType));
        Path arrayTable = tmp.resolve("arrays.parquet");
        spark.createDataFrame(List.<Row>of(RowFactory.create("c", china, List.of("ocr", "caption"))), arrays).write().parquet(arrayTable.toString());
        AnnotateJob.run(spark, options(arrayTable, tmp.resolve("arrays"), "--id-column", "id", "--task-column", "tasks"));
        assertEquals(List.of("c caption", "c ocr"), List.copyOf(byId(tmp.resolve("arrays")).keySet()));
        assertEquals((Object) resumed.get("a ocr").getAs("text"), byId(tmp.resolve("arrays")).get("c ocr").getAs("text"),
                "the same image and task, asked with another task or alone: the same text");
    }

    private Path images(String... names) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String n : names) Files.copy(ORACLE.resolve("images").resolve(n), in.resolve(n));
        return in;
    }

    private Path run(Path in, String task, String... more) {
        Path out = tmp.resolve("alone-" + task);
        List<String> args = new ArrayList<>(List.of("--task", task));
        args.addAll(List.of(more));
        AnnotateJob.run(spark, options(in, out, args.toArray(String[]::new)));
        return out;
    }

    private static AnnotateOptions options(Path in, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(), "--model", MODEL.toString(),
                "--mmproj", MMPROJ.toString(), "--max-tokens", "8", "--partitions", "2"));
        args.addAll(List.of(more));
        return AnnotateJobTest.options(args.toArray(String[]::new));
    }

    /** Rows keyed "file task" (the file name of the image id), sorted. */
    private static Map<String, Row> byImageAndTask(Path out) {
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            String id = r.getAs("image_id");
            String key = id.substring(id.lastIndexOf('/') + 1) + " " + r.getAs("task");
            assertNull(rows.put(key, r), "one row of " + key);
        }
        return rows;
    }

    private static Map<String, Row> byId(Path out) {
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            assertNull(rows.put(r.getAs("image_id") + " " + Objects.toString(r.getAs("task")), r));
        }
        return rows;
    }
}
