package dev.loupe.job;

import dev.loupe.engine.task.Task;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.LoupeUdfs;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * {@code --dry-run}: everything the annotate job checks before its first task, and what it would
 * then do, with no SparkSession — the model pair (headers only), the task against the family's,
 * the input (images counted, a table's columns and rows read from its footers or lines), the
 * output location and mode — and an estimate of an executor's memory. Every problem is listed,
 * not only the first, so one dry run finds all of them.
 */
final class DryRun {
    private final AnnotateOptions o;
    private final Configuration hadoop;
    private final SparkConf conf;
    private final List<String> problems = new ArrayList<>();

    DryRun(AnnotateOptions o, SparkConf conf) {
        this.o = o;
        this.conf = conf;
        // The Hadoop settings a session would have (spark.hadoop.* of the conf), without starting one.
        this.hadoop = new Configuration();
        for (Tuple2<String, String> kv : conf.getAllWithPrefix("spark.hadoop.")) hadoop.set(kv._1(), kv._2());
    }

    /** Prints the plan and the problems; 0 when the job would start, 2 when it would stop on a problem. */
    int run(PrintWriter out) {
        out.println("loupe dry-run: nothing is run; what the job would do:");
        AnnotatorSpec spec = check("model", () -> modelSpec(o.modelSettings(), conf));
        ModelFootprint footprint = null;
        if (spec != null) {
            footprint = check("model", () -> ModelFootprint.of(spec, hadoop));
            Set<Task> tasks = check("model", () -> LoupeUdfs.tasks(spec));
            if (footprint != null && tasks != null) {
                out.printf("  model     %s: %s + %s%n", footprint.family(), spec.key().model(), spec.key().mmproj());
                out.printf("            its tasks: %s%n", tasks.stream().map(t -> t.id).collect(Collectors.joining(", ")));
                for (String task : o.tasks()) checkTask(task, tasks, footprint.family());
            }
        }
        InputSurvey input = check("input", () -> InputSurvey.of(o, hadoop));
        if (input != null) {
            out.printf(Locale.ROOT, "  input     %s: %s%n", o.input(), input.format() == InputFormat.IMAGES
                    ? input.rows() + " image files"
                    : input.format().name().toLowerCase(Locale.ROOT) + " table, " + input.rows() + " rows, columns " + String.join(", ", input.columns()));
        }
        out.printf("  task      %s%s%n", o.task(), o.taskColumn() != null ? " (rows without a " + o.taskColumn() + ")" : "");
        String output = check("output", () -> OutputCheck.describe(o, hadoop));
        if (output != null) out.printf("  output    %s %s%n", o.output(), output);
        if (spec != null && footprint != null) printMemory(out, spec, footprint);
        if (problems.isEmpty()) {
            out.println("loupe dry-run: OK, the job would start.");
            return 0;
        }
        out.println("loupe dry-run: the job would stop:");
        for (String p : problems) out.println("  - " + p);
        return 2;
    }

    /** The settings every task would use: the command line's, then spark.loupe.* of the conf; the files' own check. */
    static AnnotatorSpec modelSpec(ModelSettings model, SparkConf conf) {
        Map<String, String> options = new HashMap<>();
        for (Tuple2<String, String> kv : conf.getAllWithPrefix(AnnotatorSpec.CONF_PREFIX)) {
            if (AnnotatorSpec.OPTIONS.contains(kv._1())) options.put(kv._1(), kv._2()); // not modelCacheDir and the like
        }
        options.putAll(model.specOptions(options.get(AnnotatorSpec.LOADER)));
        AnnotatorSpec spec = AnnotatorSpec.fromMap(options).withAbsolutePaths();
        LoupeUdfs.validate(spec);
        return spec;
    }

    /** Each job-wide task (of --tasks) must be one the family does, and have what it needs (a prompt, labels). */
    private void checkTask(String name, Set<Task> familyTasks, String family) {
        Task task;
        try {
            task = Task.parse(name);
        } catch (IllegalArgumentException e) {
            if (o.taskColumn() == null) problems.add("task: " + e.getMessage());
            return;
        }
        try {
            Task.requireTrained(task, familyTasks, family);
        } catch (IllegalArgumentException e) {
            problems.add("task: " + e.getMessage() + "; every row would fail");
            return;
        }
        if (o.promptColumn() == null && o.categories().isEmpty()) {
            try {
                task.promptFor(o.prompt());
            } catch (IllegalArgumentException e) {
                problems.add("prompt: " + e.getMessage() + ": pass --prompt");
            }
        }
        if (task.scoresCandidates() && o.labels().isEmpty() && o.labelsColumn() == null) {
            problems.add("labels: task 'classify' needs candidate labels: pass --labels, --labels-file or --labels-column");
        }
    }

    /** Model files off heap; the KV cache of the rows an executor decodes together on it. */
    static void printMemory(PrintWriter out, AnnotatorSpec spec, ModelFootprint f) {
        out.println("loupe dry-run: memory per executor (an estimate):");
        out.printf(Locale.ROOT, "  model files  %s + %s = %s, memory-mapped outside the heap and shared by a node's executors%n",
                bytes(f.modelBytes()), bytes(f.mmprojBytes()), bytes(f.modelBytes() + f.mmprojBytes()));
        if (spec.key().numerics() == dev.loupe.engine.kernels.Numerics.FAST && spec.key().repackWeights()) {
            // WeightMatrix.repack: fast numerics repack quantized text weights at load into native panels,
            // which take the place of the mapped pages they were made from.
            out.printf(Locale.ROOT, "               the text file's quantized weights become native panels of up to ~1.4x its size (%s),%n",
                    bytes(Math.round(f.modelBytes() * 1.4)));
            out.println("               in place of its mapped pages (Q4_K_M ~1.4x, Q8_0 1.06x on AVX2 and not repacked on AVX-512; F16/F32 not repacked)");
            // WeightMatrix.repackForPrompts: the vision encoder's matrices, F16 ones as 16-bit panels.
            out.printf(Locale.ROOT, "               the mmproj's weight matrices become native panels of about its size (%s), in place of its mapped pages%n",
                    bytes(f.mmprojBytes()));
        }
        out.println("               (on YARN or Kubernetes, add them to spark.executor.memoryOverhead)");
        if (f.kvBytesPerPosition() == 0) {
            out.println("  KV cache     " + f.imagePositionsRule());
            return;
        }
        long perRow = f.kvBytesPerRow(spec.maxTokens());
        int rows = spec.window();
        out.printf(Locale.ROOT, "  KV cache     %s per position x (%d image positions [%s] + %d prompt + %d generated) = %s per row%n",
                bytes(f.kvBytesPerPosition()), f.imagePositions(), f.imagePositionsRule(), ModelFootprint.PROMPT_ALLOWANCE,
                spec.maxTokens(), bytes(perRow));
        out.printf(Locale.ROOT, "               x %d rows the executor's batch scheduler decodes together (--max-batch %s) = %s%n",
                rows, spec.maxBatch() == AnnotatorSpec.MAX_BATCH_AUTO ? "auto" : Integer.toString(rows), bytes(rows * perRow));
        out.printf(Locale.ROOT, "  heap         spark.executor.memory >= %s: the scheduler keeps its rows' KV within half the heap%n",
                bytes(2 * rows * perRow));
        out.println("               (-Dloupe.kvMemoryMb sets that budget), plus activations, decoded images and the vision encoder's buffers");
    }

    private static String bytes(long n) {
        if (n >= 1L << 30) return String.format(Locale.ROOT, "%.1f GB", n / (double) (1L << 30));
        if (n >= 1L << 20) return String.format(Locale.ROOT, "%.1f MB", n / (double) (1L << 20));
        if (n >= 1L << 10) return String.format(Locale.ROOT, "%.1f KB", n / (double) (1L << 10));
        return n + " B";
    }

    /** Runs one check; a problem is recorded under its area (and null returned) instead of stopping the dry run. */
    private <T> T check(String area, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            problems.add(area + ": " + firstLine(String.valueOf(e.getMessage())));
            return null;
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
