package dev.loupe.job.eval;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.task.Task;
import dev.loupe.job.AnnotationRun;
import dev.loupe.job.ConfFile;
import dev.loupe.job.DemoDefaults;
import dev.loupe.job.JobSummary;
import dev.loupe.job.ModelCommandOptions;
import dev.loupe.job.ModelSettings;
import dev.loupe.job.WriteMode;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeUdfs;
import dev.loupe.udf.PartitionAnnotator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The eval job: a referring-expression benchmark (RefCOCO, RefCOCO+, RefCOCOg and the like)
 * scored with the community's metrics, either by running a model on it or from predictions
 * made earlier.
 *
 * <p>A model run sends every sample through the annotate job's own path ({@link AnnotationRun}:
 * model cache, batching, per-row errors, {@code --resume}) as a grounding request (task
 * {@code ground}, the expression as the prompt) into {@code OUTPUT/ground/}, and, where the
 * dataset has masks and the model can segment, as a segmentation request into
 * {@code OUTPUT/segment/}; those annotation outputs are then scored exactly as
 * {@code --predictions} scores any table, so re-scoring them gives the same numbers.
 */
@Command(name = "loupe-eval", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Scores a referring-expression benchmark (RefCOCO-style): REC Acc@0.1..0.9, mean IoU, centre accuracy; RES gIoU and cIoU.",
        footer = {"", "Every option defaults on its own: --dataset, --output, --model and --mmproj to the demo of this Loupe checkout "
                        + "(sample-data/refcoco-sample, out/sample-eval, the oracle's tiny Youtu-VL, whose random weights score 0); "
                        + "with --predictions or --mask-predictions no model is run unless one is named.",
                "", "Writes OUTPUT/samples (Parquet, schemas/evaluation.avsc), OUTPUT/summary.json and, for a model run, the annotations in",
                "OUTPUT/ground and OUTPUT/segment (schemas/annotation.avsc). Without spark.master the job runs in local[*].",
                "Exit codes: 0 done (samples may still be misses), 1 job failed, 2 bad options, dataset or model."})
public final class EvalJob implements Callable<Integer> {

    @Option(names = "--dataset", paramLabel = "TABLE",
            description = "lmms-eval layout (lmms-lab/RefCOCO, RefCOCOplus, RefCOCOg): Parquet file, directory or glob; one row per object.")
    String dataset;

    @Option(names = "--instances", paramLabel = "JSON", description = "refer layout: COCO instances.json (boxes, polygons, image sizes).")
    String instances;

    @Option(names = "--refs", paramLabel = "JSON", description = "refer layout: refs as a JSON array or JSON Lines (ref_id, ann_id, image_id, split, sentences[].sent).")
    String refs;

    @Option(names = "--images", paramLabel = "DIR", description = "refer layout: the directory of the images (instances' file_name).")
    String images;

    @Option(names = "--image-column", paramLabel = "COLUMN", description = "Image bytes, Hugging Face image struct or path. Default: image.")
    String imageColumn;

    @Option(names = "--expression-column", paramLabel = "COLUMN", description = "Referring expression, or a list of them (one sample each). Default: answer.")
    String expressionColumn;

    @Option(names = "--bbox-column", paramLabel = "COLUMN", description = "Ground-truth box [x, y, width, height] in pixels (COCO). Default: bbox.")
    String bboxColumn;

    @Option(names = "--segmentation-column", paramLabel = "COLUMN",
            description = "Ground-truth polygon [x1, y1, ...] or list of polygons; used when present. Default: segmentation.")
    String segmentationColumn;

    @Option(names = "--sample-id-column", paramLabel = "COLUMN", description = "The row's id (id#k for its k-th expression). Default: question_id.")
    String sampleIdColumn;

    @Option(names = "--image-id-column", paramLabel = "COLUMN", description = "The image's id; absent: the path or sha256 of the bytes. Default: file_name.")
    String imageIdColumn;

    @Option(names = "--split-column", paramLabel = "COLUMN", description = "The split; absent: the file name's prefix (val-00000-of-00004.parquet: val). Default: split.")
    String splitColumn;

    @Option(names = "--splits", paramLabel = "SPLIT", split = ",", description = "Only these splits, e.g. val,testA. Default: all.")
    List<String> splits;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N samples by sample id (a quick look).")
    Integer limit;

    @Option(names = "--output", paramLabel = "DIR", description = "Directory to write (samples/, summary.json, ground/, segment/).")
    String output;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "If --output exists: error or overwrite. Default: overwrite for the default --output (scratch space), error for one you name.")
    WriteMode mode;

    @Option(names = "--resume", description = "Model run: keep the annotations --output holds and run only the samples not in them; score all.")
    boolean resume;

    @Mixin
    ModelCommandOptions model = new ModelCommandOptions();

    @Option(names = "--tasks", paramLabel = "TASK", split = ",",
            description = "Model run: ground and/or segment. Default: ground, and segment where the dataset has masks and the model can segment.")
    List<String> tasks;

    @Option(names = "--partitions", paramLabel = "N", description = "Split the requests into N partitions (Spark tasks).")
    Integer partitions;

    @Option(names = "--predictions", paramLabel = "TABLE", description = "Score these box predictions (Parquet or JSON Lines) instead of running a model.")
    String predictions;

    @Option(names = "--mask-predictions", paramLabel = "TABLE", description = "Score these mask predictions instead of running a model.")
    String maskPredictions;

    @Option(names = "--prediction-id-column", paramLabel = "COLUMN",
            description = "Matched with the sample id, or with --prediction-expression-column, with the image id. Default: image_id.")
    String predictionIdColumn;

    @Option(names = "--prediction-expression-column", paramLabel = "COLUMN",
            description = "Match predictions on (image id, expression) instead of the sample id.")
    String predictionExpressionColumn;

    @Option(names = "--prediction-box-column", paramLabel = "COLUMN",
            description = "Loupe's boxes (the first is scored), an x0,y0,x1,y1 struct, or four numbers. Default: boxes.")
    String predictionBoxColumn;

    @Option(names = "--prediction-box-format", paramLabel = "xyxy|xywh", description = "Four numbers as corners (xyxy, the default) or COCO x,y,w,h.")
    PredictionColumns.BoxFormat predictionBoxFormat;

    @Option(names = "--prediction-mask-column", paramLabel = "COLUMN",
            description = "Loupe's masks (their union is scored) or a height,width,counts struct. Default: masks.")
    String predictionMaskColumn;

    @Option(names = "--dry-run",
            description = "Check everything the job checks before its first task and print what it would do, without running it: "
                    + "the model pair (GGUF headers: family, whether it grounds), the dataset (Parquet footers: rows and the named columns; "
                    + "the refer layout's files), the predictions, the output and an executor's memory. Exit 0 when the job would start, "
                    + "2 when it would stop (every problem listed).")
    boolean dryRun;

    @Option(names = "--verbose",
            description = "Spark's INFO logging and Loupe's DEBUG lines on the console (by default conf/log4j2.properties keeps Spark's "
                    + "to warnings and Loupe's to one line per event: model loaded, job started, job finished). This JVM only: "
                    + "a cluster's executors log as their own log4j2 configuration says.")
    boolean verbose;

    @Option(names = ConfFile.OPTION, paramLabel = "FILE", description = ConfFile.HELP)
    java.nio.file.Path confFile; // read before parsing (ConfFile.of), as the defaults it gives must be

    /** The --conf-file's options and Spark settings; none unless {@link #commandLine(DemoDefaults, String...)} found one. */
    private ConfFile conf = ConfFile.none();

    @Spec
    CommandSpec command;

    public static void main(String[] args) {
        ConfFile.runJob("loupe-eval", args, a -> commandLine(DemoDefaults.ofThisInstall(), a));
    }

    /**
     * The command for these arguments, with the {@code --conf-file} they name read first (see
     * {@link ConfFile}); throws IllegalArgumentException for a bad file.
     */
    static CommandLine commandLine(DemoDefaults demo, String... args) {
        CommandLine cli = commandLine(demo);
        ConfFile conf = ConfFile.of(args, cli.getCommandSpec());
        ((EvalJob) cli.getCommand()).conf = conf;
        return cli.setDefaultValueProvider(conf.over(demo.forEval()));
    }

    static CommandLine commandLine() {
        return commandLine(DemoDefaults.ofThisInstall());
    }

    /** The command with its demo defaults (see {@link DemoDefaults#forEval}) and Loupe's error handling. */
    static CommandLine commandLine(DemoDefaults demo) {
        CommandLine cli = new CommandLine(new EvalJob()).setCaseInsensitiveEnumValuesAllowed(true).setDefaultValueProvider(demo.forEval());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof IllegalArgumentException || e instanceof GgufFormatException || e instanceof AnalysisException) {
                err.println("loupe-eval: " + firstLine(e.getMessage()));
                err.flush();
                return 2;
            }
            err.println("loupe-eval: the job failed: " + firstLine(String.valueOf(e.getMessage())));
            e.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cli;
    }

    /**
     * The options of the parsed command line. The demo's dataset stands in only when no dataset of
     * either layout is named, its model only when no predictions are to be scored instead; the
     * write mode follows from whether the output is the default scratch directory.
     */
    EvalOptions options() {
        Set<Task> chosen = EnumSet.noneOf(Task.class);
        if (tasks != null) for (String t : tasks) if (!t.isBlank() && !t.equalsIgnoreCase("auto")) chosen.add(Task.parse(t));
        if (given("--model") != given("--mmproj")) {
            throw new IllegalArgumentException((given("--model") ? "--mmproj" : "--model") + " is required with "
                    + (given("--model") ? "--model" : "--mmproj") + ": a model and its projector go together");
        }
        boolean scoring = predictions != null || maskPredictions != null;
        ModelSettings settings = given("--model") || !scoring ? model.settings() : null;
        boolean referLayout = instances != null || refs != null || images != null;
        String table = given("--dataset") || !referLayout ? dataset : null;
        WriteMode writeMode = mode != null ? mode : !given("--output") && !resume ? WriteMode.OVERWRITE : WriteMode.ERROR;
        return new EvalOptions(table, instances, refs, images,
                new DatasetColumns(imageColumn, expressionColumn, bboxColumn, segmentationColumn, sampleIdColumn, imageIdColumn, splitColumn),
                splits, limit, output, writeMode, resume, settings, chosen, partitions, predictions, maskPredictions,
                new PredictionColumns(predictionIdColumn, predictionExpressionColumn, predictionBoxColumn, predictionBoxFormat, predictionMaskColumn));
    }

    /** Whether the command line named this option (rather than leaving it to its default). */
    private boolean given(String option) {
        if (conf.gives(option)) return true;
        CommandLine.ParseResult parsed = command.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** The demo's options this run took, as "--option value"; empty when it names its own dataset, output and model. */
    List<String> defaultsUsed(EvalOptions o) {
        List<String> used = new ArrayList<>();
        if (!given("--dataset") && o.dataset() != null) used.add("--dataset " + o.dataset());
        if (!given("--model") && o.model() != null) used.add("--model " + o.model().model() + " --mmproj " + o.model().mmproj());
        if (!given("--output")) used.add("--output " + o.output() + (given("--mode") ? "" : " --mode " + o.mode().name().toLowerCase(Locale.ROOT)));
        return used;
    }

    @Override
    public Integer call() {
        dev.loupe.job.Verbosity.apply(verbose);
        conf.applySparkSettings();
        EvalOptions o = options();
        List<String> defaults = defaultsUsed(o);
        if (!defaults.isEmpty()) {
            PrintWriter out = command.commandLine().getOut();
            out.println("loupe eval: defaults used (give an option to change just that one; --help lists them all):");
            for (String d : defaults) out.println("  " + d);
            if (!given("--model") && o.model() != null) {
                out.println("loupe eval: the demo model is the oracle's tiny Youtu-VL: it has RANDOM weights, expect accuracy near 0.");
                out.println("  For real numbers, pass a Qwen3-VL or Youtu-VL GGUF pair with --model and --mmproj.");
            }
            out.flush();
        }
        if (dryRun) {
            PrintWriter out = command.commandLine().getOut();
            int exit = new dev.loupe.job.EvalDryRun(o, new SparkConf()).run(out); // no SparkSession: nothing starts, no task runs
            out.flush();
            return exit;
        }
        if (o.runsModel()) AnnotationRun.checkModelBeforeSpark(o.model());
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().appName("loupe-eval");
        if (!new SparkConf().contains("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        try {
            PrintWriter out = command.commandLine().getOut();
            EvalReport report = run(spark, o, out);
            report.print(out);
            out.printf("loupe eval: per-sample scores in %s, metrics in %s%n", new Path(o.output(), "samples"), new Path(o.output(), EvalReport.SUMMARY));
            out.flush();
            return 0;
        } finally {
            if (ownSession) spark.stop();
        }
    }

    /** Runs the evaluation on an existing session; {@code log} gets the annotation runs' summaries. */
    public static EvalReport run(SparkSession spark, EvalOptions o, PrintWriter log) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        // Everything that can be refused is checked before --output is touched (--mode overwrite empties it).
        ReferringSamples samples = ReferringSamples.read(spark, o);
        AnnotatorSpec spec = o.runsModel() ? AnnotationRun.resolve(spark, o.model()) : null;
        Set<Task> tasks = o.runsModel() ? chooseTasks(o, samples.hasMasks(), LoupeUdfs.tasks(spec)) : Set.of();
        prepareOutput(o, hadoop);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("dataset", o.referLayout() ? o.refs() + " + " + o.instances() : o.dataset());
        if (!o.splits().isEmpty()) settings.put("splits", String.join(",", o.splits()));
        if (o.limit() != null) settings.put("limit", o.limit().toString());
        Predictions predictions = o.runsModel() ? runModel(spark, o, spec, tasks, samples, settings, log) : readPredictions(spark, o, samples, settings);
        String samplesDir = new Path(o.output(), "samples").toString();
        score(samples, predictions, o).write().mode(SaveMode.Overwrite).parquet(samplesDir);
        EvalReport report = EvalReport.of(spark.read().parquet(samplesDir), settings);
        report.write(o.output(), hadoop);
        return report;
    }

    /** Predicted boxes and masks, grouped by key ({@link PredictionTable}); null for what is not evaluated. */
    private record Predictions(Dataset<Row> boxes, Dataset<Row> masks) {}

    /** Sends the samples through the annotate job's path, task by task, and reads back what it wrote. */
    private static Predictions runModel(SparkSession spark, EvalOptions o, AnnotatorSpec spec, Set<Task> tasks, ReferringSamples samples,
                                        Map<String, String> settings, PrintWriter log) {
        settings.put("model", spec.key().model());
        settings.put("mmproj", spec.key().mmproj());
        settings.put("tasks", String.join(",", tasks.stream().map(t -> t.id).toList()));
        Dataset<Row> boxes = null, masks = null;
        for (Task task : tasks) {
            String dir = new Path(o.output(), task.id).toString();
            JobSummary annotated = AnnotationRun.annotate(spark, spec, requests(samples, task, o.partitions()), samples.byPath(), dir, o.resume());
            log.println("loupe eval: " + task.id + " requests annotated into " + dir);
            annotated.print(log);
            // Read back as any predictions table is, so re-scoring the annotations gives the same numbers.
            Dataset<Row> predictions = PredictionTable.read(spark, dir, PredictionColumns.LOUPE, "annotations", task == Task.SEGMENT);
            if (task == Task.GROUND) boxes = predictions;
            else masks = predictions;
        }
        return new Predictions(boxes, masks);
    }

    private static Predictions readPredictions(SparkSession spark, EvalOptions o, ReferringSamples samples, Map<String, String> settings) {
        Dataset<Row> boxes = null, masks = null;
        if (o.predictions() != null) {
            boxes = PredictionTable.read(spark, o.predictions(), o.predictionColumns(), "--predictions", false);
            settings.put("predictions", o.predictions());
        }
        if (o.maskPredictions() != null && samples.hasMasks()) {
            masks = PredictionTable.read(spark, o.maskPredictions(), o.predictionColumns(), "--mask-predictions", true);
            settings.put("mask_predictions", o.maskPredictions());
        }
        return new Predictions(boxes, masks);
    }

    /** Each sample joined with its predictions and scored: rows of schemas/evaluation.avsc. */
    private static Dataset<Row> score(ReferringSamples samples, Predictions predictions, EvalOptions o) {
        Dataset<Row> joined = samples.rows();
        if (predictions.masks() != null && !samples.byPath()) {
            // The size a polygon is rasterized in, from the image's header here, so the bytes need not travel to the scorer.
            Column size = when(ReferringSamples.withMask().and(col(ReferringSamples.WIDTH).isNull()), ImageHeaders.sizeOf(col(ReferringSamples.IMAGE)));
            joined = joined.withColumn("header_size", size)
                    .withColumn(ReferringSamples.WIDTH, coalesce(col(ReferringSamples.WIDTH), col("header_size.width")))
                    .withColumn(ReferringSamples.HEIGHT, coalesce(col(ReferringSamples.HEIGHT), col("header_size.height")))
                    .drop("header_size");
        }
        joined = joined.drop(ReferringSamples.IMAGE);
        joined = join(joined, predictions.boxes(), SampleScorer.BOX_PREDICTIONS, o.predictionColumns(), o.runsModel());
        joined = join(joined, predictions.masks(), SampleScorer.MASK_PREDICTIONS, o.predictionColumns(), o.runsModel());
        return joined.map(new SampleScorer(predictions.boxes() != null, predictions.masks() != null), Encoders.row(EvaluationSchema.rowType()));
    }

    /** Joins each sample with its prediction rows (a list, null when there are none) as {@code column}. */
    private static Dataset<Row> join(Dataset<Row> samples, Dataset<Row> predictions, String column, PredictionColumns c, boolean modelRun) {
        if (predictions == null) return samples.withColumn(column, lit(null));
        Dataset<Row> p = predictions.withColumnRenamed(PredictionTable.ROWS, column);
        boolean byExpression = !modelRun && c.expression() != null;
        Column on = byExpression
                ? samples.col(ReferringSamples.IMAGE_ID).equalTo(p.col(PredictionTable.KEY_ID)).and(samples.col(ReferringSamples.EXPRESSION).equalTo(p.col(PredictionTable.KEY_EXPRESSION)))
                : samples.col(ReferringSamples.SAMPLE_ID).equalTo(p.col(PredictionTable.KEY_ID));
        return samples.join(p, on, "left_outer").drop(PredictionTable.KEY_ID, PredictionTable.KEY_EXPRESSION);
    }

    /** One request per sample: the sample id as the row's id, the expression as its prompt. */
    private static Dataset<Row> requests(ReferringSamples samples, Task task, Integer partitions) {
        Dataset<Row> rows = samples.rows();
        if (task == Task.SEGMENT) rows = rows.where(ReferringSamples.withMask());
        Column image = samples.byPath() ? col(ReferringSamples.IMAGE_PATH).as(PartitionAnnotator.IMAGE_PATH)
                : col(ReferringSamples.IMAGE).as(PartitionAnnotator.IMAGE);
        Dataset<Row> requests = rows.select(col(ReferringSamples.SAMPLE_ID).as("image_id"), image, lit(task.id).as("task"),
                col(ReferringSamples.EXPRESSION).as("prompt"));
        return partitions != null ? requests.repartition(partitions) : requests;
    }

    /** The tasks to run: as asked, or ground plus segment where the dataset has masks and the model can segment. */
    static Set<Task> chooseTasks(EvalOptions o, boolean datasetHasMasks, Set<Task> modelCan) {
        Set<Task> wanted = o.tasks().isEmpty() ? EnumSet.of(Task.GROUND) : EnumSet.copyOf(o.tasks());
        if (o.tasks().isEmpty() && datasetHasMasks && modelCan.contains(Task.SEGMENT)) wanted.add(Task.SEGMENT);
        for (Task t : wanted) {
            if (!modelCan.contains(t)) {
                throw new IllegalArgumentException("the model " + o.model().model() + " cannot run task '" + t.id + "' (its family runs "
                        + modelCan.stream().map(x -> x.id).toList() + "); grounding needs Qwen3-VL or Youtu-VL, segmentation Youtu-VL");
            }
        }
        if (wanted.contains(Task.SEGMENT) && !datasetHasMasks) {
            throw new IllegalArgumentException("--tasks segment: the dataset has no ground-truth masks (no segmentation column)");
        }
        return wanted;
    }

    /** Refuses an existing output unless told what to do with it: keep (resume) or replace (overwrite). */
    private static void prepareOutput(EvalOptions o, Configuration hadoop) {
        Path dir = new Path(o.output());
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (!fs.exists(dir)) return;
            if (!fs.getFileStatus(dir).isDirectory()) throw new IllegalArgumentException("--output " + o.output() + " is a file, not a directory");
            FileStatus[] inside = fs.listStatus(dir);
            if (inside.length == 0 || o.resume()) return;
            if (o.mode() == WriteMode.ERROR) {
                throw new IllegalArgumentException("--output " + o.output() + " exists: add --mode overwrite to replace it"
                        + (o.runsModel() ? ", or --resume to continue its run" : ""));
            }
            for (FileStatus f : inside) fs.delete(f.getPath(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into --output " + o.output(), e);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

}
