package dev.loupe.job;

import dev.loupe.engine.task.Task;
import dev.loupe.job.eval.EvalOptions;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeUdfs;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * The eval job's {@code --dry-run}, as the annotate job's ({@link DryRun}): with no SparkSession,
 * the model pair (headers: the family, whether it grounds or segments as the run would ask), the
 * dataset (Parquet footers: rows and the columns the options name; the refer layout's files),
 * the predictions to score, the output and the memory an executor would need. Every problem
 * is listed; exit 0 when the job would start, 2 when it would stop.
 */
public final class EvalDryRun {
    private final EvalOptions o;
    private final SparkConf conf;
    private final Configuration hadoop = new Configuration();
    private final List<String> problems = new ArrayList<>();

    public EvalDryRun(EvalOptions o, SparkConf conf) {
        this.o = o;
        this.conf = conf;
        for (Tuple2<String, String> kv : conf.getAllWithPrefix("spark.hadoop.")) hadoop.set(kv._1(), kv._2());
    }

    public int run(PrintWriter out) {
        out.println("loupe dry-run: nothing is run; what the eval job would do:");
        AnnotatorSpec spec = null;
        ModelFootprint footprint = null;
        if (o.model() != null) {
            spec = check("model", () -> DryRun.modelSpec(o.model(), conf));
            AnnotatorSpec s = spec;
            footprint = s == null ? null : check("model", () -> ModelFootprint.of(s, hadoop));
            Set<Task> tasks = s == null ? null : check("model", () -> LoupeUdfs.tasks(s));
            if (footprint != null && tasks != null) {
                out.printf("  model     %s: %s + %s%n", footprint.family(), s.key().model(), s.key().mmproj());
                Set<Task> asked = o.tasks().isEmpty() ? Set.of(Task.GROUND) : o.tasks();
                for (Task t : asked) {
                    if (!tasks.contains(t)) problems.add("model: " + footprint.family() + " does not " + t.id + " (its tasks: "
                            + tasks.stream().map(x -> x.id).collect(Collectors.joining(", ")) + "): pass a Qwen3-VL or Youtu-VL pair");
                }
                if (o.tasks().isEmpty()) out.printf("            asked: ground%s%n", tasks.contains(Task.SEGMENT) ? ", and segment where the dataset has masks" : "");
            }
        } else {
            out.println("  model     none: scoring " + String.join(" and ", scored()));
        }
        if (o.dataset() != null) {
            InputSurvey table = check("dataset", this::datasetTable);
            if (table != null) {
                out.printf(Locale.ROOT, "  dataset   %s: %d rows (objects), columns %s%n", o.dataset(), table.rows(), String.join(", ", table.columns()));
            }
        } else {
            for (String[] file : new String[][] {{"--instances", o.instances()}, {"--refs", o.refs()}, {"--images", o.images()}}) {
                if (check("dataset", () -> requireExists(file[0], file[1])) != null) out.printf("  %-9s %s%n", file[0].substring(2), file[1]);
            }
        }
        if (!o.splits().isEmpty() || o.limit() != null) {
            out.printf("  samples   %s%s%n", o.splits().isEmpty() ? "every split" : "splits " + String.join(", ", o.splits()),
                    o.limit() == null ? "" : ", the first " + o.limit() + " by sample id");
        }
        if (o.predictions() != null) check("predictions", () -> requireExists("--predictions", o.predictions()));
        if (o.maskPredictions() != null) check("predictions", () -> requireExists("--mask-predictions", o.maskPredictions()));
        String output = check("output", () -> OutputCheck.describe(o.output(), o.mode(), o.resume(), hadoop));
        if (output != null) out.printf("  output    %s %s%n", o.output(), output);
        if (spec != null && footprint != null) DryRun.printMemory(out, spec, footprint);
        if (problems.isEmpty()) {
            out.println("loupe dry-run: OK, the job would start.");
            return 0;
        }
        out.println("loupe dry-run: the job would stop:");
        for (String p : problems) out.println("  - " + p);
        return 2;
    }

    private List<String> scored() {
        List<String> s = new ArrayList<>();
        if (o.predictions() != null) s.add(o.predictions());
        if (o.maskPredictions() != null) s.add(o.maskPredictions());
        return s;
    }

    /** lmms-eval layout: the Parquet files the dataset names (a file, directory or glob), with the columns the options name. */
    private InputSurvey datasetTable() {
        Path pattern = new Path(o.dataset());
        FileStatus[] matches;
        try {
            FileSystem fs = pattern.getFileSystem(hadoop);
            matches = fs.globStatus(pattern);
        } catch (IOException e) {
            throw new IllegalArgumentException("--dataset " + o.dataset() + ": cannot list it: " + e.getMessage(), e);
        }
        if (matches == null || matches.length == 0) throw new IllegalArgumentException("--dataset " + o.dataset() + " does not exist");
        long rows = 0;
        List<String> columns = List.of();
        for (FileStatus m : matches) {
            InputSurvey s = InputSurvey.parquet(m.getPath().toString(), hadoop);
            rows += s.rows();
            if (columns.isEmpty()) columns = s.columns();
        }
        List<String> named = List.of(o.columns().image(), o.columns().expression(), o.columns().bbox());
        List<String> have = columns;
        List<String> missing = named.stream().filter(c -> !have.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("--dataset has no column " + String.join(", ", missing) + " (its columns: " + String.join(", ", columns)
                    + "; --image-column, --expression-column, --bbox-column name others)");
        }
        return new InputSurvey(InputFormat.PARQUET, rows, columns);
    }

    private String requireExists(String option, String location) {
        Path p = new Path(location);
        try {
            if (!p.getFileSystem(hadoop).exists(p)) throw new IllegalArgumentException(option + " " + location + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + location + ": cannot look at it: " + e.getMessage(), e);
        }
        return location;
    }

    private <T> T check(String area, Supplier<T> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            problems.add(area + ": " + (nl < 0 ? m : m.substring(0, nl)));
            return null;
        }
    }
}
