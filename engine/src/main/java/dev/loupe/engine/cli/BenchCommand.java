package dev.loupe.engine.cli;

import dev.loupe.engine.bench.Bench;
import dev.loupe.engine.bench.FmaRoofline;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.CpuFeatures;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.VectorApiCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = {
        "Measure prompt processing, generation, batched decode and image encoding, llama-bench style",
        "(warm-up, median of repetitions). Compare with llama.cpp on the same file: bench/vs-llamacpp.sh."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf") Path model;
    @Option(names = "--mmproj", paramLabel = "MMPROJ.gguf", description = "Also time one image-encoder pass.") Path mmproj;
    @Option(names = {"-t", "--threads"}, description = "Compute threads (default: all cores).") Integer threads;
    @Option(names = "--pp", defaultValue = "512", description = "Prompt tokens (default ${DEFAULT-VALUE}; 0: skip, as llama-bench -p 0).") int pp;
    @Option(names = "--tg", defaultValue = "128", description = "Generated tokens (default ${DEFAULT-VALUE}; 0: skip).") int tg;
    @Option(names = "--depth", defaultValue = "0",
            description = "Also time generation after this many cached positions (llama-bench -d; 0: skip).") int depth;
    @Option(names = "--batch", split = ",", defaultValue = "1,4,8,16", description = "Batched-decode sizes (default ${DEFAULT-VALUE}).") int[] batches;
    @Option(names = {"-r", "--repetitions"}, defaultValue = "5") int repetitions;
    @Option(names = "--numerics", defaultValue = "fast", paramLabel = "exact|fast",
            description = "Arithmetic of the vision encoder, prefill and batched decode: fast (f32 products) or exact "
                    + "(llama.cpp's own, bit for bit; slower). Default: ${DEFAULT-VALUE}.")
    Numerics numerics;
    @Option(names = "--json", description = "Print one JSON object instead of a table.") boolean json;
    @Option(names = "--no-repack", description = "Keep weights as mapped instead of repacking them at load into panels for fast "
            + "prefill, decode and image encoding (the default repacks, as models load).") boolean noRepack;

    @Spec
    CommandSpec spec;

    /** Refuses counts that cannot be timed before loading anything, naming the option. */
    private void checkCounts() {
        String bad = pp < 0 ? "--pp " + pp : tg < 0 ? "--tg " + tg : depth < 0 ? "--depth " + depth
                : repetitions < 1 ? "-r " + repetitions : null;
        if (bad == null) {
            for (int b : batches) if (b < 1) bad = "--batch " + b;
        }
        if (bad != null) throw new ParameterException(spec.commandLine(), bad + ": counts must be >= 0 (>= 1 for -r and --batch sizes)");
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        checkCounts();
        ComputePool pool = threads == null ? ComputePool.shared() : new ComputePool(threads);
        String vectors = VectorApiCheck.describe();
        try (GgufFile text = GgufFile.open(model); GgufFile vision = mmproj == null ? null : GgufFile.open(mmproj)) {
            // Progress on stderr (stdout keeps the results, --json parseable): loading and repacking a
            // 4B model takes seconds, each figure -r repetitions of it.
            PrintWriter err = spec.commandLine().getErr();
            long loadStart = System.nanoTime();
            err.printf("bench: loading %s%s%n", model.getFileName(), mmproj == null ? "" : " + " + mmproj.getFileName());
            err.flush();
            Bench bench = new Bench(text, vision, pool, numerics, repetitions, !noRepack);
            err.printf(java.util.Locale.ROOT, "bench: loaded in %.1f s, %s; measuring (%d repetitions each after a warm-up)%n",
                    (System.nanoTime() - loadStart) / 1e9, bench.repacked().describe(), repetitions);
            err.flush();
            Map<String, Double> r = bench.standard(pp, tg, depth, batches, vision != null, step -> {
                err.println("bench: " + step);
                err.flush();
            });
            if (pp > 0) addRoofline(r, text, pool.threads(), err);
            String cpu = cpuName();
            String features = CpuFeatures.describe();
            String repacked = bench.repacked().describe();
            if (json) {
                StringBuilder sb = new StringBuilder("{");
                sb.append("\"model\": \"").append(model.getFileName()).append("\", \"threads\": ").append(pool.threads())
                        .append(", \"numerics\": \"").append(numerics).append("\", \"cpu\": \"").append(cpu).append("\", \"jdk\": \"").append(Runtime.version())
                        .append("\", \"vectors\": \"").append(vectors.replace("\"", "'"))
                        .append("\", \"cpu_features\": \"").append(features)
                        .append("\", \"weights\": \"").append(WeightTypes.describe(text))
                        .append("\", \"repacked\": \"").append(repacked).append('"');
                r.forEach((k, v) -> sb.append(", \"").append(k).append("\": ").append(String.format(java.util.Locale.ROOT, "%.4f", v)));
                out.println(sb.append('}'));
            } else {
                out.printf("model %s, %d threads, %s numerics, %s, JDK %s, %s%n", model.getFileName(), pool.threads(), numerics, cpu,
                        Runtime.version(), vectors);
                out.printf("cpu features %s; weights %s; %s%n", features, WeightTypes.describe(text), repacked);
                r.forEach((k, v) -> out.printf("  %-18s %10.3f%n", k, v));
            }
        }
        out.flush();
        return 0;
    }

    /**
     * The prompt's roof: the float FMA peak of the compute threads (register-only chains of the
     * preferred species), the FLOPs a prompt token costs in the weight products, and the share
     * of the peak the prompt's products ran at ({@code bench/vs-llamacpp.sh} sets llama.cpp's
     * prompt rate against the same roof).
     */
    private void addRoofline(Map<String, Double> r, GgufFile text, int threads, PrintWriter err) {
        double flops = FmaRoofline.productFlopsPerToken(text);
        double peak = FmaRoofline.peakGflops(threads, 300);
        double achieved = r.get("pp" + pp + "_tps") * flops / 1e9;
        r.put("fma_peak_gflops", peak);
        r.put("product_gflop_per_token", flops / 1e9);
        r.put("pp_product_gflops", achieved);
        err.printf(java.util.Locale.ROOT, "bench: float FMA peak %.1f GFLOP/s on %d threads; pp%d products at %.1f GFLOP/s (%.0f%% of it)%n",
                peak, threads, pp, achieved, 100 * achieved / peak);
        err.flush();
    }

    private static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip() + " x" + Runtime.getRuntime().availableProcessors();
                }
            }
        } catch (IOException ignored) {
            // not Linux: report the core count only
        }
        return Runtime.getRuntime().availableProcessors() + " cores";
    }
}
