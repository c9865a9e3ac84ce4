package dev.loupe.job;

import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeMetrics;
import dev.loupe.udf.LoupeUdfs;
import dev.loupe.udf.PartitionAnnotator;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The annotate job: images in, one Parquet row per image out (schema: schemas/annotation.avsc).
 *
 * <p>Order matters: the model files are checked on the driver before Spark starts, so a bad
 * model fails in a second with the file named instead of in every task. Rows that cannot be
 * annotated are written with {@code error} set; the job itself only fails for problems that are
 * not a row's (bad options, unreadable input, a crashing executor).
 */
@Command(name = "loupe-annotate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Annotates images with a GGUF vision-language model and writes Parquet (schemas/annotation.avsc).",
        footer = {"", "Spark settings come from spark-submit or -Dspark.*; without spark.master the job runs in local[*].",
                "Exit codes: 0 done (rows may still carry errors), 1 job failed, 2 bad options, input or model."})
public final class AnnotateJob implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Directory or glob of images, or a Parquet / JSON Lines table (see --image-column).")
    String input;

    @Option(names = "--input-format", paramLabel = "FORMAT",
            description = "images, parquet or json; default: detected from the name or the files in the directory.")
    InputFormat format;

    @Option(names = "--image-column", paramLabel = "COLUMN", defaultValue = "image",
            description = "Table input: the column with image bytes or paths (relative paths are relative to the table). Default: ${DEFAULT-VALUE}.")
    String imageColumn;

    @Option(names = "--id-column", paramLabel = "COLUMN",
            description = "Table input: the column written as image_id. Default: the path, or sha256 of the bytes.")
    String idColumn;

    @Option(names = "--task-column", paramLabel = "COLUMN", description = "Table input: per-row task (null rows use --task).")
    String taskColumn;

    @Option(names = "--prompt-column", paramLabel = "COLUMN", description = "Table input: per-row prompt (null rows use --prompt).")
    String promptColumn;

    @Option(names = "--max-longest-edge-column", paramLabel = "COLUMN",
            description = "Table input: per-row resolution cap in pixels (integer; null or 0 rows use --max-longest-edge), "
                    + "lowering the job's for that row, e.g. small thumbnails cheap and hard images at full detail.")
    String maxLongestEdgeColumn;

    @Option(names = "--max-image-tokens-column", paramLabel = "COLUMN",
            description = "Table input: per-row image-token cap for Qwen3-VL and Youtu-VL (integer; null or 0 rows use --max-image-tokens), "
                    + "lowering the job's for that row.")
    String maxImageTokensColumn;

    @Option(names = "--image-extensions", paramLabel = "EXT", split = ",",
            description = "Image input: extensions to read, either case. Default: jpg,jpeg,png,webp,bmp,gif.")
    List<String> imageExtensions;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Parquet directory to write.")
    String output;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "error",
            description = "If --output exists: error (refuse, the default) or overwrite (replace it). See --resume.")
    WriteMode mode;

    @Option(names = "--resume",
            description = "Keep the rows --output already holds (of a finished or interrupted run) and annotate only the images whose id is not there.")
    boolean resume;

    @Option(names = "--model", required = true, paramLabel = "GGUF", description = "Text model GGUF, e.g. SmolVLM-256M-Instruct-Q8_0.gguf.")
    String model;

    @Option(names = "--mmproj", required = true, paramLabel = "GGUF", description = "Vision projector GGUF, e.g. mmproj-SmolVLM-256M-Instruct-Q8_0.gguf.")
    String mmproj;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "caption", description = "Task for every row (caption, vqa, ground, detect, segment, pose, semantic, depth, core, segment-refined, segment-open). Default: ${DEFAULT-VALUE}.")
    String task;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt for every row; default: the task's own (vqa needs one, the question; ground and segment need one, what to find; detect takes an optional comma-separated category list).")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate per image. Default: spark.loupe.maxTokens, else the engine's.")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Sampling temperature; 0 is greedy (argmax). Default: spark.loupe.temperature, else 0. "
                    + "Other sampling settings: spark.loupe.topK, topP, minP, repeatPenalty.")
    Float temperature;

    @Option(names = "--seed", paramLabel = "N",
            description = "Sampling seed of the job; each row samples with a seed made of it and the row's image id, "
                    + "so a rerun or a retried task writes the same text. Default: spark.loupe.seed, else 0.")
    Long seed;

    @Option(names = "--max-longest-edge", paramLabel = "PIXELS",
            description = "SmolVLM (idefics3): scale images so their longest edge is at most PIXELS before tiling, a multiple of "
                    + "the model's tile size (512 for SmolVLM). Fewer tiles: faster, less detail. Default: the model's own (2048 for SmolVLM).")
    Integer maxLongestEdge;

    @Option(names = "--max-image-tokens", paramLabel = "TOKENS",
            description = "Qwen3-VL, Youtu-VL (dynamic resolution): scale images down so they become at most TOKENS image tokens "
                    + "(one per 32x32 pixels; llama.cpp's --image-max-tokens). Fewer: faster encoding and prefill, less detail. "
                    + "Default: the model's own (Qwen3-VL 4096, Youtu-VL 62500 as llama.cpp: cap it for large photos, whose full-attention layers cost the square of the patch count).")
    Integer maxImageTokens;

    @Option(names = "--numerics", paramLabel = "exact|fast",
            description = "Arithmetic of the vision encoder, prefill and batched decode: fast (f32 products, within the oracle's "
                    + "tolerance of llama.cpp) or exact (llama.cpp's own, bit for bit; slower). "
                    + "Default: spark.loupe.numerics, else fast.")
    String numerics;

    @Option(names = "--max-batch", paramLabel = "auto|N",
            description = "Rows of an executor decoded together by its batch scheduler: auto (8 where batched rows come out the same "
                    + "as rows decoded alone: every model with fast numerics), or 1..64 (1: one row at a time). "
                    + "Default: spark.loupe.maxBatch, else auto.")
    String maxBatch;

    @Option(names = "--partitions", paramLabel = "N", description = "Split the requests into N partitions (Spark tasks); for a table input this is a shuffle.")
    Integer partitions;

    @Option(names = "--show", paramLabel = "N", defaultValue = "0", description = "Print the first N result rows at the end.")
    int show;

    @Spec
    CommandSpec command;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with Loupe's error handling: one line for a user's mistake, a stack trace for a bug. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AnnotateJob()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (isUsersMistake(e)) {
                err.println("loupe-annotate: " + firstLine(e.getMessage()));
                err.flush();
                return 2;
            }
            err.println("loupe-annotate: the job failed: " + firstLine(String.valueOf(e.getMessage())));
            e.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cli;
    }

    AnnotateOptions options() {
        return new AnnotateOptions(input, format, imageColumn, idColumn, taskColumn, promptColumn, maxLongestEdgeColumn, maxImageTokensColumn,
                imageExtensions, output, mode, resume, model, mmproj, task, prompt, maxTokens, temperature, seed, maxLongestEdge, maxImageTokens,
                numerics, maxBatch, partitions, show);
    }

    @Override
    public Integer call() {
        AnnotateOptions o = options();
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        // Fail fast, before Spark starts: the loader's own check (the GGUF reader, by default).
        LoupeUdfs.validate(AnnotatorSpec.fromMap(options(o, loaderFrom(new SparkConf()))).withAbsolutePaths());
        SparkSession.Builder builder = SparkSession.builder().appName("loupe-annotate");
        if (!new SparkConf().contains("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        try {
            JobSummary summary = run(spark, o);
            PrintWriter out = command.commandLine().getOut();
            summary.print(out);
            out.flush();
            if (o.show() > 0) show(spark, o.output(), o.show());
            return 0;
        } finally {
            if (ownSession) spark.stop();
        }
    }

    /**
     * Runs the job on an existing session: checks the model on the driver, reads the requests,
     * annotates them partition by partition, writes the output and {@code _loupe_summary.json}.
     */
    public static JobSummary run(SparkSession spark, AnnotateOptions o) {
        long start = System.nanoTime();
        String loader = spark.conf().get(AnnotatorSpec.CONF_PREFIX + AnnotatorSpec.LOADER, null);
        AnnotatorSpec spec = LoupeUdfs.resolve(spark, options(o, loader));
        LoupeMetrics metrics = LoupeMetrics.register(spark.sparkContext());
        CompletedImages done = o.resume() ? CompletedImages.in(spark, o.output()) : CompletedImages.none();
        ImageInputs.Requests requests = ImageInputs.read(spark, o, done);
        requests.rows()
                .mapPartitions(new PartitionAnnotator(spec, metrics, requests.byPath(), requests.withLimits()), Encoders.row(AnnotationSchema.rowType()))
                .write().mode(o.saveMode())
                // Commit each task's file into --output as the task finishes (FileOutputCommitter
                // algorithm 2), not all of them at the end of the job: an interrupted run then
                // keeps every finished partition for --resume instead of losing hours of work.
                // Files still appear whole (written aside, then renamed), and only one attempt of
                // a task may commit, so retries and speculative copies add no duplicates.
                .option("mapreduce.fileoutputcommitter.algorithm.version", "2")
                .parquet(o.output());
        JobSummary summary = JobSummary.read(spark, o.output(), metrics.snapshot(), done.count(), (System.nanoTime() - start) / 1e9);
        SummaryFile.write(o.output(), SummaryFile.toJson(summary, spec, Instant.now()), spark.sparkContext().hadoopConfiguration());
        return summary;
    }

    /** The job's own options, as {@link AnnotatorSpec} names them; {@code spark.loupe.*} fills the rest. */
    private static Map<String, String> options(AnnotateOptions o, String loader) {
        Map<String, String> m = new HashMap<>();
        m.put(AnnotatorSpec.MODEL, o.model());
        m.put(AnnotatorSpec.MMPROJ, o.mmproj());
        if (loader != null) m.put(AnnotatorSpec.LOADER, loader);
        if (o.maxTokens() != null) m.put(AnnotatorSpec.MAX_TOKENS, o.maxTokens().toString());
        if (o.temperature() != null) m.put(AnnotatorSpec.TEMPERATURE, o.temperature().toString());
        if (o.seed() != null) m.put(AnnotatorSpec.SEED, o.seed().toString());
        if (o.maxLongestEdge() != null) m.put(AnnotatorSpec.MAX_LONGEST_EDGE, o.maxLongestEdge().toString());
        if (o.maxImageTokens() != null) m.put(AnnotatorSpec.MAX_IMAGE_TOKENS, o.maxImageTokens().toString());
        if (o.numerics() != null) m.put(AnnotatorSpec.NUMERICS, o.numerics());
        if (o.maxBatch() != null) m.put(AnnotatorSpec.MAX_BATCH, o.maxBatch());
        return m;
    }

    private static String loaderFrom(SparkConf conf) {
        return conf.get(AnnotatorSpec.CONF_PREFIX + AnnotatorSpec.LOADER, null);
    }

    private static void show(SparkSession spark, String output, int n) {
        spark.read().parquet(output)
                .selectExpr("element_at(split(image_id, '/'), -1) AS image", "text", "error")
                .orderBy("image")
                .show(n, 60, false);
    }

    private static boolean isUsersMistake(Exception e) {
        return e instanceof IllegalArgumentException || e instanceof GgufFormatException || e instanceof AnalysisException;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
