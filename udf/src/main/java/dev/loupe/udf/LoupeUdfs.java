package dev.loupe.udf;

import dev.loupe.engine.task.Task;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Registers Loupe's SQL functions on a session, after checking the model on the driver.
 *
 * <pre>{@code
 * // Java / Scala
 * LoupeUdfs.register(spark, "/models/SmolVLM-256M-Instruct-Q8_0.gguf",
 *                    "/models/mmproj-SmolVLM-256M-Instruct-Q8_0.gguf", Map.of("maxTokens", "64"));
 * spark.sql("SELECT path, loupe_annotate(content, 'caption', NULL).text FROM images");
 *
 * # PySpark, no Java code: settings in the conf, one registerJavaFunction per function
 * spark.conf.set("spark.loupe.model", "/models/SmolVLM-256M-Instruct-Q8_0.gguf")
 * spark.conf.set("spark.loupe.mmproj", "/models/mmproj-SmolVLM-256M-Instruct-Q8_0.gguf")
 * ddl = spark._jvm.dev.loupe.udf.AnnotationSchema.resultDdl()
 * spark.udf.registerJavaFunction("loupe_annotate", "dev.loupe.udf.AnnotateUdf", ddl)
 * spark.udf.registerJavaFunction("loupe_caption", "dev.loupe.udf.CaptionUdf")
 * spark.udf.registerJavaFunction("loupe_detect", "dev.loupe.udf.DetectUdf", ddl)  # likewise ClassifyUdf, GroundUdf, ...
 * # or, with the driver-side model check: spark._jvm.dev.loupe.udf.LoupeUdfs.register(
 * #     spark._jsparkSession, model, mmproj, {"maxTokens": "64"})
 * }</pre>
 */
public final class LoupeUdfs {
    public static final String ANNOTATE = "loupe_annotate";
    public static final String ANNOTATE_FILE = "loupe_annotate_file";
    public static final String CAPTION = "loupe_caption";
    public static final String DETECT = "loupe_detect";
    public static final String CLASSIFY = "loupe_classify";
    public static final String GROUND = "loupe_ground";
    public static final String COUNT = "loupe_count";
    public static final String POINT = "loupe_point";
    public static final String OCR = "loupe_ocr";
    /** The per-task functions' variants that read the image from a path: the name with {@value #FILE_SUFFIX} after it. */
    public static final String FILE_SUFFIX = "_file";
    public static final String DETECT_FILE = DETECT + FILE_SUFFIX;
    public static final String CLASSIFY_FILE = CLASSIFY + FILE_SUFFIX;
    public static final String GROUND_FILE = GROUND + FILE_SUFFIX;
    public static final String COUNT_FILE = COUNT + FILE_SUFFIX;
    public static final String POINT_FILE = POINT + FILE_SUFFIX;
    public static final String OCR_FILE = OCR + FILE_SUFFIX;

    private LoupeUdfs() {}

    public static AnnotatorSpec register(SparkSession spark, String model, String mmproj) {
        return register(spark, model, mmproj, Map.of());
    }

    /**
     * Registers {@code loupe_annotate}, {@code loupe_annotate_file}, {@code loupe_caption} and the
     * per-task functions {@code loupe_detect}, {@code loupe_classify}, {@code loupe_ground},
     * {@code loupe_count}, {@code loupe_point} and {@code loupe_ocr}, each with its {@code _file}
     * variant ({@code loupe_detect_file(path, categories)}, ...) that reads the image from a path.
     * Options not given here fall back to {@code spark.loupe.<name>} in the session's conf.
     *
     * @return the settings every task will use (model paths made absolute)
     * @throws IllegalArgumentException for an unknown option or a bad value
     * @throws dev.loupe.engine.gguf.GgufFormatException for a missing, truncated or foreign model file
     */
    public static AnnotatorSpec register(SparkSession spark, String model, String mmproj, Map<String, String> options) {
        Map<String, String> given = new HashMap<>(options);
        if (model != null) given.put(AnnotatorSpec.MODEL, model);
        if (mmproj != null) given.put(AnnotatorSpec.MMPROJ, mmproj);
        AnnotatorSpec spec = resolve(spark, given);
        spark.udf().register(ANNOTATE, new AnnotateUdf(spec), AnnotationSchema.resultType());
        spark.udf().register(ANNOTATE_FILE, new AnnotateFileUdf(spec), AnnotationSchema.resultType());
        spark.udf().register(CAPTION, new CaptionUdf(spec), DataTypes.StringType);
        // One function per task where it reads better than loupe_annotate: each makes loupe_annotate's request.
        // The _file variants are the same functions, the image read from the path when the row runs.
        DetectUdf detect = new DetectUdf(spec);
        ClassifyUdf classify = new ClassifyUdf(spec);
        GroundUdf ground = new GroundUdf(spec);
        CountUdf count = new CountUdf(spec);
        PointUdf point = new PointUdf(spec);
        OcrUdf ocr = new OcrUdf(spec);
        DataType result = AnnotationSchema.resultType();
        spark.udf().register(DETECT, detect, result);
        spark.udf().register(DETECT_FILE, ImageFiles.byPath(DETECT_FILE, detect), result);
        spark.udf().register(CLASSIFY, classify, result);
        spark.udf().register(CLASSIFY_FILE, ImageFiles.byPath(CLASSIFY_FILE, classify), result);
        spark.udf().register(GROUND, ground, result);
        spark.udf().register(GROUND_FILE, ImageFiles.byPath(GROUND_FILE, ground), result);
        spark.udf().register(COUNT, count, result);
        spark.udf().register(COUNT_FILE, ImageFiles.byPath(COUNT_FILE, count), result);
        spark.udf().register(POINT, point, result);
        spark.udf().register(POINT_FILE, ImageFiles.byPath(POINT_FILE, point), result);
        spark.udf().register(OCR, ocr, result);
        spark.udf().register(OCR_FILE, ImageFiles.byPath(OCR_FILE, ocr), result);
        return spec;
    }

    /**
     * The settings tasks will use: {@code options}, then {@code spark.loupe.<name>} from the
     * session's conf for the ones not given, model paths made absolute, checked by
     * {@link #validate} on the driver.
     */
    public static AnnotatorSpec resolve(SparkSession spark, Map<String, String> options) {
        AnnotatorSpec spec = settings(spark, options);
        validate(spec);
        return spec;
    }

    /**
     * {@link #resolve} without reading the model files: the options' names and values checked only
     * (a model given, numbers that are numbers), for checks that must stay cheap (an ML stage's
     * {@code transformSchema}).
     *
     * @param spark the session whose {@code spark.loupe.*} fill the options not given, or null for none
     */
    public static AnnotatorSpec settings(SparkSession spark, Map<String, String> options) {
        Map<String, String> merged = new HashMap<>();
        for (String name : spark == null ? Set.<String>of() : AnnotatorSpec.OPTIONS) {
            String v = spark.conf().get(AnnotatorSpec.CONF_PREFIX + name, null);
            if (v != null) merged.put(name, v);
        }
        merged.putAll(options);
        return AnnotatorSpec.fromMap(merged).withAbsolutePaths();
    }

    /** The driver-side check: the loader's own validation of the model files, before any task runs. */
    public static void validate(AnnotatorSpec spec) {
        ModelKey key = spec.key();
        AnnotatorLoaders.create(key.loader()).validate(key);
    }

    /** The tasks the spec's model can run, as its loader tells from the files' metadata on the driver. */
    public static Set<Task> tasks(AnnotatorSpec spec) {
        ModelKey key = spec.key();
        return AnnotatorLoaders.create(key.loader()).tasks(key);
    }
}
