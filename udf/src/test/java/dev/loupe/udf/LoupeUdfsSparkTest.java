package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The UDFs inside a real Spark session (local mode: executor threads share this JVM and its ModelCache). */
class LoupeUdfsSparkTest {
    private static final StructType REQUESTS = new StructType()
            .add("id", DataTypes.StringType).add("image", DataTypes.BinaryType)
            .add("task", DataTypes.StringType).add("prompt", DataTypes.StringType);
    private static final Map<String, String> FAKE = Map.of(AnnotatorSpec.LOADER, FakeLoader.class.getName());

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        // Four task threads so that tasks really race for the first model load.
        spark = SparkSession.builder().master("local[4]").appName("loupe-udf-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void sqlCallsGetOneRowEachAndBadRowsCarryTheirError() {
        AnnotatorSpec spec = LoupeUdfs.register(spark, "/fake/sql/model.gguf", "/fake/sql/mmproj.gguf", FAKE);
        requests(List.of(
                RowFactory.create("wide", TestImages.png(40, 10), "caption", null),
                RowFactory.create("question", TestImages.png(8, 8), "VQA", "what is it?"),
                RowFactory.create("no-question", TestImages.png(8, 8), "vqa", null),
                RowFactory.create("bad-task", TestImages.png(8, 8), "paint", null),
                RowFactory.create("garbage", new byte[] {1, 2, 3, 4}, null, null),
                RowFactory.create("empty", new byte[0], null, null),
                RowFactory.create("null", null, null, null)), 2).createOrReplaceTempView("requests");

        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.sql("SELECT id, a.* FROM (SELECT id, loupe_annotate(image, task, prompt) AS a FROM requests)").collectAsList()) {
            byId.put(r.getAs("id"), r);
        }
        assertEquals(7, byId.size());
        Row wide = byId.get("wide");
        assertEquals(FakeAnnotator.captionFor(40, 10), wide.getAs("text"));
        assertEquals("Describe this image.", wide.getAs("prompt"));
        assertEquals(40, (int) wide.getAs("image_width"));
        assertEquals("model.gguf", wide.getAs("model"));
        assertNull(wide.getAs("error"));
        Row box = wide.<scala.collection.Seq<Row>>getAs("boxes").head();
        assertEquals(40f, (float) box.getAs("x1"));

        assertEquals("answer to: what is it?", byId.get("question").getAs("text"));
        assertEquals("vqa", byId.get("question").getAs("task"));
        assertError(byId.get("no-question"), "task 'vqa' needs a prompt (the question to answer)");
        assertError(byId.get("bad-task"), "unknown task 'paint'; known tasks: caption, vqa, ground, detect, segment, pose, semantic, depth, core, segment-refined, segment-open, point, count, ocr, classify");
        assertError(byId.get("garbage"), "cannot decode image: unknown format");
        assertError(byId.get("empty"), "empty image (0 bytes)");
        assertError(byId.get("null"), "no image (null)");

        // Selecting several fields of the struct must not run the model once per field.
        FakeAnnotator fake = FakeLoader.MADE.get(spec.key().model());
        assertEquals(3, fake.calls.get(), "wide, question and garbage reach the model, once each");

        List<Row> captions = spark.sql("SELECT id, loupe_caption(image) AS c FROM requests WHERE id IN ('wide', 'garbage')")
                .orderBy("id").collectAsList();
        assertNull(captions.get(0).get(1), "a failed caption is null");
        assertEquals(FakeAnnotator.captionFor(40, 10), captions.get(1).get(1));
    }

    @Test
    void manyConcurrentTasksLoadTheModelOnce() {
        AnnotatorSpec spec = LoupeUdfs.register(spark, "/fake/concurrent/model.gguf", "/fake/concurrent/mmproj.gguf", FAKE);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 16; i++) rows.add(RowFactory.create("r" + i, TestImages.png(4 + i, 4), null, null));
        List<Row> out = requests(rows, 16).selectExpr("loupe_annotate(image, task, prompt).text AS text").collectAsList();

        assertEquals(16, out.size());
        for (Row r : out) assertTrue(r.getString(0).startsWith("a "), r.toString());
        assertEquals(1, ModelCache.shared().loadCount(spec.key()), "16 tasks on 4 threads, one load");
        FakeAnnotator fake = FakeLoader.MADE.get(spec.key().model());
        assertEquals(16, fake.calls.get());
        assertTrue(fake.callerThreads.size() >= 2, "tasks ran on several threads: " + fake.callerThreads);
    }

    @Test
    void aModelThatWillNotLoadFailsItsRowsNotTheJobAndIsRetriedPerTaskNotPerRow() {
        AnnotatorSpec spec = LoupeUdfs.register(spark, "/fake/unloadable/model.gguf", "/fake/unloadable/mmproj.gguf", FAKE);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) rows.add(RowFactory.create("r" + i, TestImages.png(5, 5), null, null));
        List<Row> out = requests(rows, 3).selectExpr("loupe_annotate(image, task, prompt).error AS error").collectAsList();

        assertEquals(12, out.size());
        for (Row r : out) {
            assertEquals("cannot load the model: fake load failure for /fake/unloadable/model.gguf", r.getString(0));
        }
        int loads = ModelCache.shared().loadCount(spec.key());
        assertTrue(loads >= 1 && loads <= 3, "at most one attempt per task (3 partitions), got " + loads);
    }

    @Test
    void pySparkStyleRegistrationReadsTheModelFromTheSessionConf() {
        spark.conf().set("spark.loupe.model", "/fake/pyspark/model.gguf");
        spark.conf().set("spark.loupe.mmproj", "/fake/pyspark/mmproj.gguf");
        spark.conf().set("spark.loupe.loader", FakeLoader.class.getName());
        spark.conf().set("spark.loupe.maxTokens", "7");
        try {
            // Exactly the calls PySpark's spark.udf.registerJavaFunction makes.
            spark.udf().registerJava("py_annotate", AnnotateUdf.class.getName(), DataType.fromDDL(AnnotationSchema.resultDdl()));
            spark.udf().registerJava("py_caption", CaptionUdf.class.getName(), null);
            requests(List.of(RowFactory.create("a", TestImages.png(12, 3), null, null)), 1).createOrReplaceTempView("py_requests");
            Row r = spark.sql("SELECT py_annotate(image, 'caption', NULL) AS a, py_caption(image) AS c FROM py_requests").first();
            Row a = r.getStruct(0);
            assertEquals(FakeAnnotator.captionFor(12, 3), a.getAs("text"));
            assertEquals(7, (int) a.getAs("generated_tokens"), "spark.loupe.maxTokens reached the executor");
            assertEquals(FakeAnnotator.captionFor(12, 3), r.getString(1));
        } finally {
            for (String k : List.of("model", "mmproj", "loader", "maxTokens")) spark.conf().unset("spark.loupe." + k);
        }
    }

    @Test
    void annotateFileReadsPathsAndNamesTheOnesItCannotRead(@TempDir Path dir) throws Exception {
        LoupeUdfs.register(spark, "/fake/files/model.gguf", "/fake/files/mmproj.gguf", FAKE);
        Path img = Files.write(dir.resolve("img.png"), TestImages.png(9, 6));
        Path missing = dir.resolve("missing.png");
        List<Row> out = spark.createDataFrame(List.of(RowFactory.create(img.toString()), RowFactory.create(missing.toUri().toString())),
                        new StructType().add("path", DataTypes.StringType))
                .selectExpr("path", "loupe_annotate_file(path, NULL, NULL) AS a").orderBy("path").collectAsList();
        assertEquals(FakeAnnotator.captionFor(9, 6), out.get(0).getStruct(1).getAs("text"));
        String error = out.get(1).getStruct(1).getAs("error");
        assertTrue(error.startsWith("cannot read image " + missing.toUri()) && error.contains("does not exist"), error);
    }

    @Test
    void registeringAMissingModelFailsOnTheDriverNamingTheFile(@TempDir Path dir) {
        Path mmproj = dir.resolve("absent-mmproj.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> LoupeUdfs.register(spark, GgufAnnotatorLoaderTest.MODEL.toString(), mmproj.toString()));
        assertEquals(mmproj + ": mmproj file does not exist", e.getMessage());
    }

    private static Dataset<Row> requests(List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, REQUESTS).repartition(partitions);
    }

    private static void assertError(Row row, String error) {
        assertEquals(error, row.getAs("error"));
        assertNull(row.getAs("text"));
        assertNull(row.getAs("boxes"));
        assertNull(row.getAs("image_width"));
    }
}
