package dev.loupe.udf.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sha2;

import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeUdfs;
import dev.loupe.udf.PartitionAnnotator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Loupe's annotation as a Spark ML pipeline stage: images in one column, the annotation struct the
 * annotate job writes ({@link AnnotationSchema#resultType()}) in another.
 *
 * <pre>{@code
 * LoupeAnnotator annotate = new LoupeAnnotator()
 *         .setModel("/models/SmolVLM-256M-Instruct-Q8_0.gguf").setMmproj("/models/mmproj-SmolVLM-256M-Instruct-Q8_0.gguf")
 *         .setInputCol("content").setOutputCol("annotation").setTasks("caption,count").setCategories("dog").setMaxTokens(64);
 * PipelineModel model = new Pipeline().setStages(new PipelineStage[] {annotate}).fit(images);
 * model.write().overwrite().save("/pipelines/annotate");
 * PipelineModel.load("/pipelines/annotate").transform(images).select("path", "annotation.task", "annotation.text");
 * }</pre>
 *
 * <p>Rows are annotated as the annotate job annotates them, on the same executor model cache and
 * batch scheduler ({@link PartitionAnnotator}): the same options, the same per-row seeds (from the
 * {@code idCol}, else the job's default id), the same rows; a row that cannot be annotated gets
 * its {@code error} inside the struct and never fails the query. Several {@code tasks} give one
 * output row per image and task, as the job writes them (the struct's {@code task} says which).
 *
 * <p>Settings: every generation param is named as its {@link AnnotatorSpec} option (and its
 * {@code spark.loupe.*} key); a param left unset falls back to the session's {@code spark.loupe.*},
 * then to the engine's default, as the job's flags do.
 */
public final class LoupeAnnotator extends Transformer implements DefaultParamsWritable {
    /** The request struct's column while the rows are annotated; renamed when the input has one of the name. */
    private static final String REQUEST_COLUMN = "_loupe_request";

    private final String uid;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> idCol;
    private final Param<String> tasks;
    private final Param<String> prompt;
    private final StringArrayParam categories;
    private final StringArrayParam labels;

    private final Param<String> model;
    private final Param<String> mmproj;
    private final IntParam maxTokens;
    private final FloatParam temperature;
    private final IntParam topK;
    private final FloatParam topP;
    private final FloatParam minP;
    private final FloatParam repeatPenalty;
    private final IntParam repeatLastN;
    private final LongParam seed;
    private final IntParam maxLongestEdge;
    private final IntParam maxImageTokens;
    private final Param<String> numerics;
    private final Param<String> maxBatch;
    private final Param<String> denseReadout;
    private final Param<String> promptBook;
    private final Param<String> labelScoring;
    private final Param<String> constrain;
    private final BooleanParam repackWeights;

    public LoupeAnnotator() {
        this(Identifiable.randomUID("loupeAnnotator"));
    }

    /** The constructor {@link DefaultParamsReader} calls when a saved stage is loaded. */
    public LoupeAnnotator(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "the image column: bytes (binary) or a path any executor can read (string: local, HDFS, S3...)");
        outputCol = new Param<>(this, "outputCol", "the column the annotation struct goes into (schemas/annotation.avsc without image_id)");
        idCol = new Param<>(this, "idCol", "the row's id, seeding its sampling as the job's image_id does; default: the path, or sha256 of the bytes");
        tasks = new Param<>(this, "tasks", "task, or several comma-separated (caption,detect,count): one output row per image and task");
        prompt = new Param<>(this, "prompt", "prompt of every row; unset: each task's own (vqa, ground, segment need one)");
        categories = new StringArrayParam(this, "categories", "categories of detect, count, point and semantic rows (what to find)");
        labels = new StringArrayParam(this, "labels", "classify: the candidate labels");
        model = new Param<>(this, AnnotatorSpec.MODEL, "text model GGUF: a path or URI (unset: spark.loupe.model)");
        mmproj = new Param<>(this, AnnotatorSpec.MMPROJ, "vision projector GGUF: a path or URI (unset: spark.loupe.mmproj)");
        maxTokens = new IntParam(this, AnnotatorSpec.MAX_TOKENS, "most tokens to generate per row");
        temperature = new FloatParam(this, AnnotatorSpec.TEMPERATURE, "sampling temperature; 0 is greedy");
        topK = new IntParam(this, AnnotatorSpec.TOP_K, "sample from the K most probable tokens; 0 keeps all");
        topP = new FloatParam(this, AnnotatorSpec.TOP_P, "sample from the most probable tokens adding up to P; 1 keeps all");
        minP = new FloatParam(this, AnnotatorSpec.MIN_P, "drop tokens less probable than P times the most probable; 0 keeps all");
        repeatPenalty = new FloatParam(this, AnnotatorSpec.REPEAT_PENALTY, "llama.cpp's repeat penalty; 1 is off");
        repeatLastN = new IntParam(this, AnnotatorSpec.REPEAT_LAST_N, "how many recent tokens the repeat penalty looks at");
        seed = new LongParam(this, AnnotatorSpec.SEED, "sampling seed, mixed with each row's id");
        maxLongestEdge = new IntParam(this, AnnotatorSpec.MAX_LONGEST_EDGE, "SmolVLM: resolution cap in pixels");
        maxImageTokens = new IntParam(this, AnnotatorSpec.MAX_IMAGE_TOKENS, "Qwen3-VL, Youtu-VL: image-token cap");
        numerics = new Param<>(this, AnnotatorSpec.NUMERICS, "exact or fast");
        maxBatch = new Param<>(this, AnnotatorSpec.MAX_BATCH, "auto or 1..64: rows of an executor decoded together");
        denseReadout = new Param<>(this, AnnotatorSpec.DENSE_READOUT, "Youtu-VL's dense segmentation readout");
        promptBook = new Param<>(this, AnnotatorSpec.PROMPT_BOOK, "a prompt book file (read on the driver) whose lines replace the built-in book's");
        labelScoring = new Param<>(this, AnnotatorSpec.LABEL_SCORING, "classify: sum or mean of a label's token log-probabilities");
        constrain = new Param<>(this, AnnotatorSpec.CONSTRAIN, "on, off or auto: structured answers kept in their format's grammar");
        repackWeights = new BooleanParam(this, AnnotatorSpec.REPACK_WEIGHTS, "repack quantized text weights at load for fast prefill and decode");
        setDefault(inputCol, "image");
        setDefault(outputCol, "annotation");
        setDefault(tasks, "caption");
    }

    public static MLReader<LoupeAnnotator> read() {
        return new DefaultParamsReader<>();
    }

    public static LoupeAnnotator load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * The input's columns and the annotation struct after them under {@code outputCol}. Checks what
     * can be checked without reading the model: the image column's type, the output's name, the
     * task names and the settings (a model given, here or in {@code spark.loupe.*}; numbers that are numbers).
     *
     * @throws IllegalArgumentException naming the stage and the param at fault
     */
    @Override
    public StructType transformSchema(StructType schema) {
        named(() -> {
            imageIsPath(schema);
            if (isDefined(idCol)) requireColumn(schema, idCol);
            if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
                throw new IllegalArgumentException("outputCol '" + getOutputCol() + "' is a column of the input already; choose another name");
            }
            requests();
            return LoupeUdfs.settings(activeSession(), specOptions());
        });
        return schema.add(new StructField(getOutputCol(), AnnotationSchema.resultType(), false, Metadata.empty()));
    }

    /**
     * The input's rows with their annotation (one row per image and task with several tasks). The
     * model files are checked here, on the driver, before any task runs; the rows are annotated
     * when the result is computed.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        transformSchema(schema, true);
        SparkSession spark = dataset.sparkSession();
        AnnotatorSpec spec = named(() -> LoupeUdfs.resolve(spark, specOptions()));
        boolean byPath = imageIsPath(schema);
        Column image = col(getInputCol());
        Column id = isDefined(idCol) ? col(getIdCol()) : byPath ? image : sha2(image, 256);
        String requestColumn = REQUEST_COLUMN;
        while (Arrays.asList(schema.fieldNames()).contains(requestColumn)) requestColumn = "_" + requestColumn;
        Dataset<Row> requests = dataset.toDF().withColumn(requestColumn, requests().column(id, image, byPath));
        StructType out = PartitionAnnotator.appendedSchema(requests.schema(), requestColumn, getOutputCol());
        return requests.mapPartitions(PartitionAnnotator.appending(spec, byPath, requests.schema(), requestColumn, getOutputCol()),
                Encoders.row(out));
    }

    @Override
    public LoupeAnnotator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** The settings as {@link AnnotatorSpec} names them: every param given, the prompt book's file read here. */
    Map<String, String> specOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        for (Param<?> p : List.of(model, mmproj, maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, maxLongestEdge,
                maxImageTokens, numerics, maxBatch, denseReadout, labelScoring, constrain, repackWeights)) {
            if (isDefined(p)) options.put(p.name(), String.valueOf(getOrDefault(p)));
        }
        if (isDefined(promptBook)) options.put(AnnotatorSpec.PROMPT_BOOK, promptBookText(getOrDefault(promptBook)));
        return options;
    }

    private AnnotationRequests requests() {
        List<String> named;
        try {
            named = AnnotationRequests.parseTasks(getTasks());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tasks '" + getTasks() + "': " + e.getMessage(), e);
        }
        return new AnnotationRequests(named, isDefined(prompt) ? getPrompt() : null,
                isDefined(categories) ? List.of(getCategories()) : List.of(), isDefined(labels) ? List.of(getLabels()) : List.of());
    }

    /** Whether the image column holds paths (string) rather than bytes (binary); any other type is refused. */
    private boolean imageIsPath(StructType schema) {
        DataType type = requireColumn(schema, inputCol).dataType();
        if (type.equals(DataTypes.BinaryType)) return false;
        if (type.equals(DataTypes.StringType)) return true;
        throw new IllegalArgumentException("inputCol '" + getInputCol() + "' is " + type.simpleString()
                + "; it must hold image bytes (binary) or paths (string)");
    }

    private StructField requireColumn(StructType schema, Param<String> param) {
        String name = getOrDefault(param);
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(param.name() + " '" + name + "': no such column; the input's columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    /** The session whose {@code spark.loupe.*} fill unset params, if one is running here. */
    private static SparkSession activeSession() {
        scala.Option<SparkSession> active = SparkSession.getActiveSession();
        return active.isDefined() ? active.get() : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
    }

    private static String promptBookText(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("promptBook " + file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("promptBook " + file + ": " + e.getMessage(), e);
        }
    }

    /** A user's mistake in the settings, said with the stage that has it: a pipeline may hold several. */
    private <T> T named(Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LoupeAnnotator " + uid + ": " + e.getMessage(), e);
        }
    }

    // The params, for Spark ML's reflection (every public no-arg method returning a Param is one) and for ParamMaps.

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> idCol() { return idCol; }
    public Param<String> tasks() { return tasks; }
    public Param<String> prompt() { return prompt; }
    public StringArrayParam categories() { return categories; }
    public StringArrayParam labels() { return labels; }
    public Param<String> model() { return model; }
    public Param<String> mmproj() { return mmproj; }
    public IntParam maxTokens() { return maxTokens; }
    public FloatParam temperature() { return temperature; }
    public IntParam topK() { return topK; }
    public FloatParam topP() { return topP; }
    public FloatParam minP() { return minP; }
    public FloatParam repeatPenalty() { return repeatPenalty; }
    public IntParam repeatLastN() { return repeatLastN; }
    public LongParam seed() { return seed; }
    public IntParam maxLongestEdge() { return maxLongestEdge; }
    public IntParam maxImageTokens() { return maxImageTokens; }
    public Param<String> numerics() { return numerics; }
    public Param<String> maxBatch() { return maxBatch; }
    public Param<String> denseReadout() { return denseReadout; }
    public Param<String> promptBook() { return promptBook; }
    public Param<String> labelScoring() { return labelScoring; }
    public Param<String> constrain() { return constrain; }
    public BooleanParam repackWeights() { return repackWeights; }

    public String getInputCol() { return getOrDefault(inputCol); }
    public String getOutputCol() { return getOrDefault(outputCol); }
    public String getIdCol() { return getOrDefault(idCol); }
    public String getTasks() { return getOrDefault(tasks); }
    public String getPrompt() { return getOrDefault(prompt); }
    public String[] getCategories() { return getOrDefault(categories); }
    public String[] getLabels() { return getOrDefault(labels); }
    public String getModel() { return getOrDefault(model); }
    public String getMmproj() { return getOrDefault(mmproj); }

    public LoupeAnnotator setInputCol(String value) { return with(inputCol, value); }
    public LoupeAnnotator setOutputCol(String value) { return with(outputCol, value); }
    public LoupeAnnotator setIdCol(String value) { return with(idCol, value); }
    /** One task, or several comma-separated: {@code "caption,detect,count"}. */
    public LoupeAnnotator setTasks(String value) { return with(tasks, value); }
    public LoupeAnnotator setPrompt(String value) { return with(prompt, value); }
    public LoupeAnnotator setCategories(String... value) { return with(categories, value); }
    public LoupeAnnotator setLabels(String... value) { return with(labels, value); }
    public LoupeAnnotator setModel(String value) { return with(model, value); }
    public LoupeAnnotator setMmproj(String value) { return with(mmproj, value); }
    public LoupeAnnotator setMaxTokens(int value) { return with(maxTokens, value); }
    public LoupeAnnotator setTemperature(float value) { return with(temperature, value); }
    public LoupeAnnotator setTopK(int value) { return with(topK, value); }
    public LoupeAnnotator setTopP(float value) { return with(topP, value); }
    public LoupeAnnotator setMinP(float value) { return with(minP, value); }
    public LoupeAnnotator setRepeatPenalty(float value) { return with(repeatPenalty, value); }
    public LoupeAnnotator setRepeatLastN(int value) { return with(repeatLastN, value); }
    public LoupeAnnotator setSeed(long value) { return with(seed, value); }
    public LoupeAnnotator setMaxLongestEdge(int value) { return with(maxLongestEdge, value); }
    public LoupeAnnotator setMaxImageTokens(int value) { return with(maxImageTokens, value); }
    public LoupeAnnotator setNumerics(String value) { return with(numerics, value); }
    /** {@code "auto"} or a number 1..64. */
    public LoupeAnnotator setMaxBatch(String value) { return with(maxBatch, value); }
    public LoupeAnnotator setDenseReadout(String value) { return with(denseReadout, value); }
    public LoupeAnnotator setPromptBook(String file) { return with(promptBook, file); }
    public LoupeAnnotator setLabelScoring(String value) { return with(labelScoring, value); }
    public LoupeAnnotator setConstrain(String value) { return with(constrain, value); }
    public LoupeAnnotator setRepackWeights(boolean value) { return with(repackWeights, value); }

    /** Params' set returns Params; the setters above return this stage, for chaining. */
    private <T> LoupeAnnotator with(Param<T> param, T value) {
        set(param, value);
        return this;
    }
}
