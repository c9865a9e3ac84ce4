package dev.loupe.job;

import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.udf.AnnotatorSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
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
@Command(name = "loupe-annotate", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Annotates images with a GGUF vision-language model and writes Parquet (schemas/annotation.avsc).",
        footer = {"", "Every option defaults on its own: --input, --model, --mmproj and --output to the demo of this Loupe checkout "
                        + "(-Dloupe.home, else $LOUPE_HOME, else the checkout the job was built in), so e.g. --output DIR alone, or "
                        + "--task ground --prompt TEXT alone, runs the demo with that one change. The demo model is the SmolVLM shown, "
                        + "or the oracle's tiny Youtu-VL for a --task the SmolVLM refuses; both have random weights.",
                "",
                "Spark settings come from spark-submit or -Dspark.*; without spark.master the job runs in local[*].",
                "Exit codes: 0 done (rows may still carry errors), 1 job failed, 2 bad options, input or model."})
public final class AnnotateJob implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "PATH",
            description = "Directory or glob of images, or a Parquet / JSON Lines table (see --image-column).")
    String input;

    @Option(names = "--input-format", paramLabel = "FORMAT",
            description = "images, parquet or json; default: detected from the name or the files in the directory.")
    InputFormat format;

    @Option(names = "--image-column", paramLabel = "COLUMN", defaultValue = "image",
            description = "Table input: the column with image bytes or paths (relative paths are relative to the table).")
    String imageColumn;

    @Option(names = "--id-column", paramLabel = "COLUMN",
            description = "Table input: the column written as image_id. Default: the path, or sha256 of the bytes.")
    String idColumn;

    @Option(names = "--task-column", paramLabel = "COLUMN",
            description = "Table input: per-row task, or tasks (comma-separated, or an array of strings; null rows use --task).")
    String taskColumn;

    @Option(names = "--prompt-column", paramLabel = "COLUMN", description = "Table input: per-row prompt (null rows use --prompt).")
    String promptColumn;

    @Option(names = "--categories-column", paramLabel = "COLUMN",
            description = "Table input: per-row categories for detect, count, point and semantic (a comma-separated string or an array "
                    + "of strings; null rows use --categories).")
    String categoriesColumn;

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

    @Option(names = "--output", paramLabel = "DIR", description = "Parquet directory to write.")
    String output;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "If --output exists: error (refuse) or overwrite (replace it). See --resume. "
                    + "Default: overwrite for the default --output (scratch space: a rerun just replaces it), error for one you name.")
    WriteMode mode;

    @Option(names = "--resume",
            description = "Keep the rows --output already holds (of a finished or interrupted run) and annotate only the (image id, task) pairs that are not there.")
    boolean resume;

    @Mixin
    ModelCommandOptions model = new ModelCommandOptions();

    @Option(names = {"--task", "--tasks"}, paramLabel = "TASK[,TASK...]", defaultValue = "caption", description = "Task for every row (caption, vqa, ground, detect, point, count, ocr, segment, pose, semantic, depth, core, segment-refined, segment-open, classify), "
            + "or several comma-separated (--tasks caption,detect,count): one row per image and task, the image encoded once for all of them. ")
    String task;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt for every row; default: the task's own (vqa needs one, the question; ground and segment need one, what to find; point and count need one, what to point at or count, unless categories are given; detect takes an optional comma-separated category list).")
    String prompt;

    @Option(names = "--categories", paramLabel = "A,B,C", split = ",",
            description = "Categories for every row of detect, count, point or semantic, e.g. dog,cat: what to find (other tasks refuse them).")
    List<String> categories;

    @Option(names = "--labels", paramLabel = "A,B,...",
            description = "classify: the candidate labels of every row, comma-separated (rows of --labels-column with labels use theirs).")
    String labels;

    @Option(names = "--labels-file", paramLabel = "FILE", description = "classify: candidate labels, one per line (after those of --labels).")
    java.nio.file.Path labelsFile;

    @Option(names = "--labels-column", paramLabel = "COLUMN",
            description = "Table input: per-row candidate labels for classify, an array of strings or a comma-separated string "
                    + "(null rows use --labels and --labels-file).")
    String labelsColumn;

    @Option(names = "--partitions", paramLabel = "N", description = "Split the requests into N partitions (Spark tasks); for a table input this is a shuffle.")
    Integer partitions;

    @Option(names = "--show", paramLabel = "N",
            description = "Print the first N result rows at the end. Default: 10 for the default --output (a trial run), else 0.")
    Integer show;

    @Option(names = "--dry-run",
            description = "Check everything the job checks before its first task and print what it would do, without running it: "
                    + "the model pair (GGUF headers: family, its tasks against --task), the input (images counted, a table's columns "
                    + "and rows), the options, the output (exists? writable? --mode) and an estimate of an executor's memory. "
                    + "Exit 0 when the job would start, 2 when it would stop (every problem listed).")
    boolean dryRun;

    @Option(names = "--verbose",
            description = "Spark's INFO logging and Loupe's DEBUG lines on the console (by default conf/log4j2.properties keeps Spark's "
                    + "to warnings and Loupe's to one line per event: model loaded, job started, job finished). This JVM only: "
                    + "a cluster's executors log as their own log4j2 configuration says.")
    boolean verbose;

    @Option(names = ConfFile.OPTION, paramLabel = "FILE", description = ConfFile.HELP)
    java.nio.file.Path confFile; // read before parsing (ConfFile.of), as the defaults it gives must be

    @Spec
    CommandSpec command;

    /** The demo run a left-out option falls back to (see {@link DemoDefaults}); tests point it at the checkout. */
    private final DemoDefaults demo;
    /** The --conf-file's options and Spark settings; none unless {@link #commandLine(DemoDefaults, String...)} found one. */
    private ConfFile conf = ConfFile.none();

    public AnnotateJob() {
        this(DemoDefaults.ofThisInstall());
    }

    AnnotateJob(DemoDefaults demo) {
        this.demo = demo;
    }

    public static void main(String[] args) {
        ConfFile.runJob("loupe-annotate", args, a -> commandLine(DemoDefaults.ofThisInstall(), a));
    }

    /**
     * The command for these arguments: the {@code --conf-file} they name is read first, its options
     * taking the place of the demo's defaults (picocli applies defaults before it parses).
     *
     * @throws IllegalArgumentException for a bad --conf-file (missing, a key that is no option's)
     */
    static CommandLine commandLine(DemoDefaults demo, String... args) {
        CommandLine cli = commandLine(demo);
        ConfFile conf = ConfFile.of(args, cli.getCommandSpec());
        ((AnnotateJob) cli.getCommand()).conf = conf;
        return cli.setDefaultValueProvider(conf.over(demo));
    }

    /** The command with Loupe's error handling: one line for a user's mistake, a stack trace for a bug. */
    static CommandLine commandLine() {
        return commandLine(DemoDefaults.ofThisInstall());
    }

    static CommandLine commandLine(DemoDefaults demo) {
        CommandLine cli = new CommandLine(new AnnotateJob(demo)).setCaseInsensitiveEnumValuesAllowed(true)
                .setDefaultValueProvider(demo);
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

    /**
     * The options of the parsed command line. Left-out data options have their demo values
     * already (picocli took them from {@link DemoDefaults}); the write mode and {@code --show}
     * follow from whether the output is the default scratch directory.
     */
    AnnotateOptions options() {
        boolean scratchOutput = !given("--output");
        WriteMode writeMode = mode != null ? mode : scratchOutput && !resume ? WriteMode.OVERWRITE : WriteMode.ERROR;
        int rowsToShow = show != null ? show : scratchOutput ? 10 : 0;
        if (given("--model") != given("--mmproj")) {
            throw new IllegalArgumentException((given("--model") ? "--mmproj" : "--model")
                    + " is required with " + (given("--model") ? "--model" : "--mmproj")
                    + ": a model and its projector go together (the demo's fit only each other)");
        }
        // picocli filled in the demo SmolVLM before it knew the task; a task the SmolVLM refuses gets the demo that does it.
        if (!given("--model") && !given("--mmproj") && DemoDefaults.wantsYoutuVl(task)) {
            model.model = demo.youtuVlModel().toString();
            model.mmproj = demo.youtuVlMmproj().toString();
        }
        requireDemoFile("--input", input);
        requireDemoFile("--model", model.settings().model());
        requireDemoFile("--mmproj", model.settings().mmproj());
        return new AnnotateOptions(input, format, imageColumn, idColumn, taskColumn, promptColumn, categoriesColumn, labelsColumn,
                maxLongestEdgeColumn, maxImageTokensColumn, imageExtensions, output, writeMode, resume, model.settings(), task, prompt,
                categories, AnnotateOptions.labels(labels, labelsFile), partitions, rowsToShow);
    }

    /** Which options this run left to their defaults (after {@link #options()} has checked the command line). */
    DefaultsUsed defaultsUsed(AnnotateOptions o) {
        return DefaultsUsed.of(this::given, o);
    }

    /** Whether the command line named this option (rather than leaving it to its default). */
    private boolean given(String option) {
        if (conf.gives(option)) return true;
        CommandLine.ParseResult parsed = command.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** A defaulted demo file that is not there: say so, rather than let the reader fail on a path the user never typed. */
    private void requireDemoFile(String option, String value) {
        if (given(option) || value == null || Files.exists(Path.of(value))) return;
        throw new IllegalArgumentException(option + " was not given and its default " + value + " (this checkout's demo, "
                + demo.home() + ") does not exist: pass " + option + ", or point -D" + DemoDefaults.HOME_PROPERTY
                + " or $" + DemoDefaults.HOME_ENV + " at a Loupe checkout");
    }

    @Override
    public Integer call() {
        Verbosity.apply(verbose);
        conf.applySparkSettings();
        AnnotateOptions o = options();
        PrintWriter out = command.commandLine().getOut();
        DefaultsUsed defaults = defaultsUsed(o);
        defaults.printStart(out);
        out.flush();
        if (dryRun) {
            int exit = new DryRun(o, new SparkConf()).run(out); // no SparkSession: nothing starts, no task runs
            out.flush();
            return exit;
        }
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        AnnotationRun.checkModelBeforeSpark(o.modelSettings());
        SparkSession.Builder builder = SparkSession.builder().appName("loupe-annotate");
        if (!new SparkConf().contains("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        try {
            JobSummary summary = run(spark, o);
            summary.print(out);
            defaults.printSummaryLine(out);
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
        AnnotatorSpec spec = AnnotationRun.resolve(spark, o.modelSettings());
        CompletedImages done = o.resume() ? CompletedImages.in(spark, o.output()) : CompletedImages.none();
        ImageInputs.Requests requests = ImageInputs.read(spark, o, done);
        return AnnotationRun.annotate(spark, spec, requests, done, o.output(), o.saveMode(), start);
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
