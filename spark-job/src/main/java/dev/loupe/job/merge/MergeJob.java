package dev.loupe.job.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.merge.MergePlan;
import dev.loupe.engine.merge.MergeReport;
import dev.loupe.engine.merge.MergedModelWriter;
import dev.loupe.engine.merge.OutputType;
import dev.loupe.engine.merge.TensorMerger;
import dev.loupe.engine.merge.TensorPairing;
import dev.loupe.engine.merge.TensorReport;
import dev.loupe.udf.ModelFiles;
import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code loupe merge} as a Spark job: the per-tensor SVDs (hours of CPU at 4B) spread over the
 * executors, largest tensors first, one task per tensor. Each executor maps the two input files
 * (local paths present on every node, or Hadoop URIs copied once per node as the annotate job
 * copies models), merges its tensor with the engine's {@link TensorMerger} and stores the bytes in
 * the work directory; the driver then writes one GGUF from them with the engine's
 * {@link MergedModelWriter}, atomically — the same bytes as {@code loupe merge}. Tensors already
 * in the work directory are not merged again (resume after a failure or a kill).
 */
@Command(name = "loupe-merge", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Merges a vision model's text weights with a text model's (SVD knee-point delta) on a Spark cluster; see docs/merge.md.",
        footer = {"", "Writes OUT (local to the driver) and, with --report, the per-tensor report. Without spark.master the job runs in local[*].",
                "Exit codes: 0 done, 1 job failed, 2 bad options or models."})
public final class MergeJob implements Callable<Integer> {
    @Option(names = "--vision", required = true, paramLabel = "VISION.gguf", description = "The vision model's text GGUF: path or Hadoop URI.")
    String vision;

    @Option(names = "--text", required = true, paramLabel = "TEXT.gguf", description = "The text model's GGUF: path or Hadoop URI.")
    String text;

    @Option(names = "--out", required = true, paramLabel = "MERGED.gguf", description = "The merged model, a path on the driver.")
    Path out;

    @Option(names = "--type", defaultValue = "F16", paramLabel = "TYPE", description = "Merged tensors' type: F16, BF16, Q8_0, F32 or same.")
    String type;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Per-tensor results, shared by driver and executors (HDFS/S3 on a cluster). Default: OUT.parts next to OUT (local runs).")
    String workDir;

    @Option(names = "--keep-work-dir", description = "Keep the per-tensor results after writing OUT.")
    boolean keepWorkDir;

    @Option(names = "--report", paramLabel = "REPORT.json", description = "Also write the per-tensor report as JSON.")
    Path report;

    @Spec
    CommandSpec spec;

    /** What one run did: tensors merged now and taken from the work directory. */
    public record Outcome(int mergedNow, int reused, MergeReport report) {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MergeJob()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof IllegalArgumentException || e instanceof GgufFormatException) {
                err.println("loupe-merge: " + e.getMessage());
                err.flush();
                return 2;
            }
            err.println("loupe-merge: the job failed: " + e.getMessage());
            e.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cli;
    }

    @Override
    public Integer call() {
        PrintWriter log = spec.commandLine().getOut();
        OutputType output = OutputType.parse(type);
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().appName("loupe-merge");
        if (!new SparkConf().contains("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        try {
            Outcome o = run(spark, vision, text, out, output, workDir != null ? workDir : out.toAbsolutePath() + ".parts", keepWorkDir, log);
            if (report != null) {
                o.report().write(report);
                log.println("report: " + report);
            }
            log.flush();
            return 0;
        } finally {
            if (ownSession) spark.stop();
        }
    }

    /** Runs the merge on {@code spark}'s executors and writes {@code out}. */
    public static Outcome run(SparkSession spark, String vision, String text, Path out, OutputType output, String workDir,
                              boolean keepWorkDir, PrintWriter log) {
        long start = System.nanoTime();
        // Executors resolve local paths in their own working directories: name the driver's files absolutely.
        vision = absolute(vision);
        text = absolute(text);
        Configuration hadoop = SparkHadoopUtil.get().newConfiguration(spark.sparkContext().getConf());
        try (GgufFile v = GgufFile.open(ModelFiles.local(vision)); GgufFile t = GgufFile.open(ModelFiles.local(text))) {
            TensorPairing pairing = MergePlan.check(v, t, output); // fails here, before any task, on a wrong pair
            TensorResults results = new TensorResults(workDir, hadoop);
            results.claim(identity(vision, v, text, t, output));
            Map<String, TensorReport> done = results.done();
            List<Task> todo = new ArrayList<>();
            for (TensorPairing.Pair p : pairing.merged()) {
                if (!done.containsKey(p.name())) todo.add(new Task(p.name(), p.vision().elementCount()));
            }
            todo.sort(Comparator.comparingLong(Task::values).reversed().thenComparing(Task::name));
            log.printf(Locale.ROOT, "merging %d tensors of %s with %s on Spark (%d already in %s)%n",
                    todo.size(), vision, text, pairing.merged().size() - todo.size(), workDir);
            log.flush();
            if (!todo.isEmpty()) {
                // One partition per tensor, in order: Spark launches them largest first.
                List<String> reports = new JavaSparkContext(spark.sparkContext())
                        .parallelize(todo.stream().map(Task::name).toList(), todo.size())
                        .map(new MergeOne(vision, text, output, workDir, new SerializableConf(hadoop)))
                        .collect();
                ObjectMapper json = new ObjectMapper();
                for (String r : reports) {
                    TensorReport tr = json.readValue(r, TensorReport.class);
                    done.put(tr.name(), tr);
                    log.println(tr.line());
                }
            }
            GgufWriter w = MergedModelWriter.layout(v, pairing, output, pair -> sink ->
                    results.copyTo(pair.name(), output.typeFor(pair.vision()).bytesFor(pair.vision().elementCount()), sink));
            w.write(out);
            List<TensorReport> all = new ArrayList<>();
            for (TensorPairing.Pair p : pairing.pairs()) {
                all.add(p.action() == TensorPairing.Action.MERGE ? done.get(p.name()) : TensorReport.kept(p));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            MergeReport report = new MergeReport(vision, text, out.toString(), output.toString(), pairing.merged().size(),
                    pairing.pairs().size() - pairing.merged().size(), pairing.unused(), seconds, all);
            log.printf(Locale.ROOT, "wrote %s: %d tensors merged (%d now, %d from the work directory), %d kept (%.1f s)%n",
                    out, report.merged(), todo.size(), report.merged() - todo.size(), report.kept(), seconds);
            if (!keepWorkDir) results.delete();
            return new Outcome(todo.size(), report.merged() - todo.size(), report);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String absolute(String location) {
        if (location.startsWith("file:") || ModelFiles.isRemote(location)) return location;
        return Path.of(location).toAbsolutePath().normalize().toString();
    }

    /** The inputs' names and sizes and the type: parts made from anything else are not this merge's. */
    private static String identity(String vision, GgufFile v, String text, GgufFile t, OutputType output) {
        return "vision " + vision + " " + v.mapping().byteSize() + "\ntext " + text + " " + t.mapping().byteSize() + "\ntype " + output + "\n";
    }

    private record Task(String name, long values) {}

    /** Hadoop's Configuration is Writable, not Serializable: carried as its key-value pairs. */
    static final class SerializableConf implements Serializable {
        private final Map<String, String> values = new java.util.HashMap<>();

        SerializableConf(Configuration conf) {
            for (Map.Entry<String, String> e : conf) values.put(e.getKey(), e.getValue());
        }

        Configuration get() {
            Configuration c = new Configuration(false);
            values.forEach(c::set);
            return c;
        }
    }

    /** The task: merge one tensor on an executor and store it; the report comes back as JSON. */
    record MergeOne(String vision, String text, OutputType output, String workDir, SerializableConf hadoop)
            implements org.apache.spark.api.java.function.Function<String, String> {
        @Override
        public String call(String name) throws Exception {
            try (GgufFile v = GgufFile.open(ModelFiles.local(vision)); GgufFile t = GgufFile.open(ModelFiles.local(text))) {
                GgufTensor vt = v.tensor(name);
                TensorPairing.Pair pair = TensorPairing.of(v, t).pairs().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
                if (pair.action() != TensorPairing.Action.MERGE) throw new IllegalStateException(vt + " is no longer merged: " + pair.reason());
                TensorMerger.MergedTensor m = TensorMerger.merge(pair, output);
                new TensorResults(workDir, hadoop.get()).store(m);
                // Progress in the executor's log, next to Spark's stage bar on the driver (one task per tensor).
                org.slf4j.LoggerFactory.getLogger(MergeJob.class).info("Loupe: {}", m.report().line());
                return new ObjectMapper().writeValueAsString(m.report());
            }
        }
    }
}
