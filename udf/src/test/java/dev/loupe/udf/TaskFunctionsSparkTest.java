package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/**
 * The per-task SQL functions on the oracle's tiny models (random weights: the answers are
 * gibberish, but the same gibberish): each function's row is, field for field but the timings,
 * the row loupe_annotate (or, for classify, which loupe_annotate cannot ask, the job's request
 * with labels) gives for the equivalent request, and bad arguments are the row's error. Each
 * function's {@code _file} variant gives, for the image's path, the row the function gives for its
 * bytes; a path that cannot be read is the row's error, naming it.
 */
class TaskFunctionsSparkTest {
    private static final Path IMAGE = Path.of("..", "engine", "src", "test", "resources", "oracle", "images", "synth_rgba_96x64.png")
            .toAbsolutePath().normalize();
    private static final String MISSING = IMAGE.resolveSibling("no_such_image.png").toString();
    /** Wall-clock fields: the only ones two runs of one request may differ in. */
    private static final Set<String> TIMINGS = Set.of("seconds", "encode_seconds", "prefill_seconds", "decode_seconds");

    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().master("local[1]").appName("loupe-task-functions-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.createDataFrame(List.of(RowFactory.create("img", Files.readAllBytes(IMAGE), IMAGE.toString()), RowFactory.create("none", null, null),
                        RowFactory.create("missing", null, MISSING)),
                new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType).add("path", DataTypes.StringType))
                .createOrReplaceTempView("images");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void qwen3VlDetectGroundPointAndCountAreLoupeAnnotatesRows(@TempDir Path dir) {
        Path text = Qwen3VlOracleModel.textModel(dir);
        LoupeUdfs.register(spark, text.toString(), Qwen3VlOracleModel.MMPROJ.toString(), Map.of("maxTokens", "12"));

        Row r = one("""
                loupe_detect(image, 'square, circle') AS detect_string, loupe_detect(image, array('square', ' circle')) AS detect_array,
                loupe_annotate(image, 'detect', 'square, circle') AS detect_annotate,
                loupe_detect(image, NULL) AS detect_all, loupe_annotate(image, 'detect', NULL) AS detect_all_annotate,
                loupe_ground(image, 'the red square') AS ground, loupe_annotate(image, 'ground', 'the red square') AS ground_annotate,
                loupe_point(image, 'the red square') AS point, loupe_annotate(image, 'point', 'the red square') AS point_annotate,
                loupe_count(image, 'squares') AS count, loupe_annotate(image, 'count', 'squares') AS count_annotate,
                loupe_detect_file(path, array('square', ' circle')) AS detect_file, loupe_ground_file(path, 'the red square') AS ground_file,
                loupe_point_file(path, 'the red square') AS point_file, loupe_count_file(path, 'squares') AS count_file""", "img");

        for (String f : List.of("detect_string", "detect_array", "detect_all", "ground", "point", "count")) {
            assertNull(r.getStruct(r.fieldIndex(f)).getAs("error"), f);
        }
        assertSameRow(r, "detect_annotate", "detect_string");
        assertSameRow(r, "detect_annotate", "detect_array");
        assertSameRow(r, "detect_all_annotate", "detect_all");
        assertSameRow(r, "ground_annotate", "ground");
        assertSameRow(r, "point_annotate", "point");
        assertSameRow(r, "count_annotate", "count");
        assertSameRow(r, "detect_array", "detect_file");
        assertSameRow(r, "ground", "ground_file");
        assertSameRow(r, "point", "point_file");
        assertSameRow(r, "count", "count_file");
        Row detect = r.getStruct(r.fieldIndex("detect_array"));
        assertEquals("detect", detect.getAs("task"));
        assertEquals("Locate every instance that belongs to the following categories: \"square, circle\". Report bbox coordinates in JSON format.",
                detect.getAs("prompt"));
        assertEquals("Locate every object in this image and output their bbox coordinates in JSON format.",
                r.getStruct(r.fieldIndex("detect_all")).getAs("prompt"));
        assertEquals("Locate the red square in this image and output its bbox coordinates in JSON format.",
                r.getStruct(r.fieldIndex("ground")).getAs("prompt"));

        // Bad input is the row's error, never a failed query.
        Row bad = one("""
                loupe_ground(image, 'the red square') AS no_image, loupe_count(image, 'squares') AS no_image_count""", "none");
        assertError(bad.getStruct(0), "ground", "no image (null)");
        assertError(bad.getStruct(1), "count", "no image (null)");
        Row badArgs = one("loupe_ground(image, NULL) AS no_expression, loupe_detect(image, array(1, 2)) AS numbers", "img");
        assertError(badArgs.getStruct(0), "ground", "task 'ground' needs a prompt (what to find, e.g. \"the dog on the left\")");
        assertError(badArgs.getStruct(1), "detect", "loupe_detect: categories must be a comma-separated string or an array<string> (got array of Integer)");
        Row badFiles = one("""
                loupe_detect_file(path, 'square') AS missing, loupe_ground_file(path, 'the red square') AS missing_ground,
                loupe_detect_file(path, array(1, 2)) AS numbers""", "missing");
        for (int i = 0; i < 2; i++) {
            Row missing = badFiles.getStruct(i);
            assertEquals(i == 0 ? "detect" : "ground", missing.getAs("task"));
            assertTrue(missing.<String>getAs("error").startsWith("cannot read image " + MISSING + ": "), missing.<String>getAs("error"));
            assertNull(missing.getAs("text"));
        }
        // The arguments are checked first, and named after the function called.
        assertError(badFiles.getStruct(2), "detect", "loupe_detect_file: categories must be a comma-separated string or an array<string> (got array of Integer)");
        assertError(one("loupe_point_file(path, 'x') AS p", "none").getStruct(0), "point", "no image path (null or blank)");
    }

    @Test
    void smolVlmOcrIsLoupeAnnotatesRowAndClassifyIsTheJobsRequest() {
        Path models = AutoBatchTest.MODELS;
        AnnotatorSpec spec = LoupeUdfs.register(spark, models.resolve("smolvlm-text-q8_0.gguf").toString(), AutoBatchTest.MMPROJ.toString(),
                Map.of("maxTokens", "6"));

        Row r = one("""
                loupe_ocr(image) AS ocr, loupe_annotate(image, 'ocr', NULL) AS ocr_annotate,
                loupe_classify(image, array('a cat', 'a dog', 'a red square')) AS classify_array,
                loupe_classify(image, 'a cat, a dog,, a red square') AS classify_string,
                loupe_ocr_file(path) AS ocr_file, loupe_classify_file(path, 'a cat, a dog, a red square') AS classify_file""", "img");
        assertNull(r.getStruct(0).getAs("error"));
        assertSameRow(r, "ocr_annotate", "ocr");
        assertEquals("Read all the text in the image.", r.getStruct(0).getAs("prompt"));
        assertSameRow(r, "classify_array", "classify_string");
        assertSameRow(r, "ocr", "ocr_file");
        assertSameRow(r, "classify_array", "classify_file");

        // The job's classify request for the same image and labels (loupe_annotate takes no labels).
        Row job = new RowAnnotator(spec).start("img", () -> bytes(), new RowRequest("classify", null, null,
                List.of("a cat", "a dog", "a red square"), null, null), false).row();
        Row classify = r.getStruct(r.fieldIndex("classify_array"));
        assertNull(classify.getAs("error"));
        assertEquals(withoutTimings(job), withoutTimings(classify));
        // The text is the likeliest label of a distribution over exactly the three candidates.
        List<Row> labels = classify.getList(classify.fieldIndex("labels"));
        assertEquals(3, labels.size());
        double sum = 0, best = -1;
        String bestLabel = null;
        for (Row l : labels) {
            double p = l.<Number>getAs("probability").doubleValue();
            sum += p;
            if (p > best) {
                best = p;
                bestLabel = l.getAs("label");
            }
        }
        assertEquals(1.0, sum, 1e-4);
        assertEquals(bestLabel, classify.getAs("text"));
        assertTrue(Set.of("a cat", "a dog", "a red square").contains(bestLabel), bestLabel);

        Row bad = one("""
                loupe_classify(image, NULL) AS no_labels, loupe_classify(image, array('', ' ')) AS blank_labels,
                loupe_classify(image, 42) AS number""", "img");
        assertError(bad.getStruct(0), "classify", "loupe_classify needs labels ('a, b' or array('a', 'b')); got NULL");
        assertError(bad.getStruct(1), "classify", "loupe_classify needs labels ('a, b' or array('a', 'b')); got none that is not blank");
        assertError(bad.getStruct(2), "classify", "loupe_classify: labels must be a comma-separated string or an array<string> (got Integer)");
        Row noImage = one("loupe_ocr(image) AS o, loupe_classify(image, 'a, b') AS c", "none");
        assertError(noImage.getStruct(0), "ocr", "no image (null)");
        assertError(noImage.getStruct(1), "classify", "no image (null)");
        Row missing = one("loupe_ocr_file(path) AS o, loupe_classify_file(path, array('a', 'b')) AS c", "missing");
        for (int i = 0; i < 2; i++) {
            assertTrue(missing.getStruct(i).<String>getAs("error").startsWith("cannot read image " + MISSING + ": "), missing.getStruct(i).toString());
        }
        assertEquals("ocr", missing.getStruct(0).getAs("task"));
        assertEquals("classify", missing.getStruct(1).getAs("task"));

        // PySpark's registerJavaFunction: the no-arg class, its settings from spark.loupe.* when it runs.
        spark.conf().set("spark.loupe.model", spec.key().model());
        spark.conf().set("spark.loupe.mmproj", spec.key().mmproj());
        spark.conf().set("spark.loupe.maxTokens", "6");
        try {
            spark.udf().registerJava("py_classify", ClassifyUdf.class.getName(), DataType.fromDDL(AnnotationSchema.resultDdl()));
            Row py = one("py_classify(image, array('a cat', 'a dog', 'a red square')) AS py, "
                    + "loupe_classify(image, array('a cat', 'a dog', 'a red square')) AS sql", "img");
            assertSameRow(py, "sql", "py");
        } finally {
            for (String k : List.of("model", "mmproj", "maxTokens")) spark.conf().unset("spark.loupe." + k);
        }
    }

    private static Row one(String select, String id) {
        return spark.sql("SELECT " + select + " FROM images WHERE id = '" + id + "'").first();
    }

    private static byte[] bytes() {
        try {
            return Files.readAllBytes(IMAGE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertSameRow(Row r, String expected, String actual) {
        assertEquals(withoutTimings(r.getStruct(r.fieldIndex(expected))), withoutTimings(r.getStruct(r.fieldIndex(actual))), actual);
    }

    /** The row's fields by name, timings left out, arrays as Java lists. */
    static List<String> withoutTimings(Row row) {
        List<String> fields = new ArrayList<>();
        for (String name : row.schema().fieldNames()) {
            if (TIMINGS.contains(name)) continue;
            Object v = row.get(row.fieldIndex(name));
            // A row made on the driver holds Java lists where one back from Spark holds Scala Seqs of the same rows.
            if (v instanceof scala.collection.Seq<?> seq) v = scala.jdk.javaapi.CollectionConverters.asJava(seq);
            fields.add(name + "=" + v);
        }
        return fields;
    }

    private static void assertError(Row row, String task, String error) {
        assertEquals(error, row.getAs("error"));
        assertEquals(task, row.getAs("task"));
        assertNull(row.getAs("text"));
    }
}
