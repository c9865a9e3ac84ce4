package dev.loupe.engine.cli;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.merge.LocalMerge;
import dev.loupe.engine.merge.MergeReport;
import dev.loupe.engine.merge.OutputType;
import dev.loupe.engine.merge.TensorReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true, description = {
        "Merge a vision model's text weights with a text model's (SVD knee-point",
        "delta): each paired weight matrix becomes W_text + the strongest directions",
        "of W_vision - W_text. Embeddings, the output head, norms, unpaired tensors,",
        "metadata and tokenizer stay the vision model's. Use MERGED.gguf with the",
        "vision model's mmproj. See docs/merge.md."})
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--vision", required = true, paramLabel = "VISION.gguf", description = "The vision model's text GGUF (e.g. qwen3vl).")
    Path vision;

    @Option(names = "--text", required = true, paramLabel = "TEXT.gguf", description = "The text model's GGUF (e.g. qwen3), same shapes.")
    Path text;

    @Option(names = "--out", required = true, paramLabel = "MERGED.gguf", description = "The merged model (written atomically).")
    Path out;

    @Option(names = "--type", defaultValue = "F16", paramLabel = "TYPE",
            description = "Type of the merged tensors: F16, BF16, Q8_0, F32 or same (as in the vision model); default ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--report", paramLabel = "REPORT.json", description = "Also write the per-tensor report as JSON.")
    Path report;

    @Option(names = "--threads", paramLabel = "N", description = "Tensors merged at once (default: the available processors).")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        OutputType output = OutputType.parse(type);
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (GgufFile v = GgufFile.open(vision); GgufFile t = GgufFile.open(text)) {
            LocalMerge merge = new LocalMerge(v, t, output, n);
            long total = merge.pairing().merged().size();
            o.printf(Locale.ROOT, "merging %d tensors of %s (%s) with %s (%s) on %d threads%n", total, vision,
                    v.metadata().optString("general.architecture").orElse("?"), text, t.metadata().optString("general.architecture").orElse("?"), n);
            o.flush();
            AtomicInteger done = new AtomicInteger();
            long start = System.nanoTime();
            MergeReport r = merge.run(out, tr -> {
                int d = done.incrementAndGet();
                double elapsed = (System.nanoTime() - start) / 1e9;
                o.printf(Locale.ROOT, "[%d/%d, %.0f s, ~%.0f s left] %s%n", d, total, elapsed, elapsed / d * (total - d), tr.line());
                o.flush();
            });
            for (TensorReport tr : r.tensors()) if (!tr.merged()) o.println(tr.line());
            if (!r.unusedTextTensors().isEmpty()) o.println("not in the vision model, unused: " + String.join(", ", r.unusedTextTensors()));
            o.printf(Locale.ROOT, "wrote %s: %d tensors merged, %d kept (%.1f s)%n", out, r.merged(), r.kept(), r.seconds());
            if (report != null) {
                r.write(report);
                o.println("report: " + report);
            }
            o.flush();
        }
        return 0;
    }
}
