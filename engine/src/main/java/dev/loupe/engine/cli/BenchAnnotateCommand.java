package dev.loupe.engine.cli;

import dev.loupe.engine.bench.AnnotateBench;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.VectorApiCheck;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.vlm.BatchableAnnotator;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-annotate", description = {
        "Images per hour for one executor: synthetic images captioned one at a time, then through the",
        "continuous-batching scheduler, with the engine's time split between encode, prefill and decode."})
final class BenchAnnotateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf") Path model;
    @Option(names = "--mmproj", required = true, paramLabel = "MMPROJ.gguf") Path mmproj;
    @Option(names = "--images", defaultValue = "16", description = "Images per run (default ${DEFAULT-VALUE}).") int images;
    @Option(names = "--image-size", defaultValue = "512", description = "Side of the square synthetic images (default ${DEFAULT-VALUE}).") int size;
    @Option(names = "--max-tokens", defaultValue = "128", description = "Caption length limit (default ${DEFAULT-VALUE}).") int maxTokens;
    @Option(names = "--batch", defaultValue = "8", description = "Rows the scheduler decodes together (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--max-longest-edge", defaultValue = "0",
            description = "idefics3 resolution cap, as the job's option (0: the model's own).") int maxLongestEdge;
    @Option(names = "--numerics", defaultValue = "fast", paramLabel = "exact|fast", description = "Default: ${DEFAULT-VALUE}.")
    Numerics numerics;
    @Option(names = "--no-repack", description = "Keep weights as mapped instead of repacking them at load into panels for fast "
            + "prefill, decode and image encoding (the default repacks).") boolean noRepack;
    @Option(names = {"-t", "--threads"}, description = "Compute threads (default: all cores).") Integer threads;
    @Option(names = "--json", description = "Print one JSON object instead of a table.") boolean json;
    @Option(names = "--tasks", split = ",", paramLabel = "TASK,TASK...",
            description = "Instead of captions: these tasks of every image, each row asked alone, then all of an image's on one encode "
                    + "(one prefill of the shared prefix), one image at a time; the engine seconds per image of each way.")
    List<String> tasks;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ComputePool pool = threads == null ? ComputePool.shared() : new ComputePool(threads);
        try (ImageAnnotator annotator = VisionLanguageModels.open(model, mmproj, new ModelOptions(pool, maxLongestEdge, numerics).withRepackWeights(!noRepack))) {
            if (!(annotator instanceof BatchableAnnotator batchable)) {
                throw new IllegalArgumentException(annotator.describe() + " cannot be batched");
            }
            AnnotateBench bench = new AnnotateBench(batchable, images, size, maxTokens);
            bench.warmUp(batch);
            if (tasks != null && !tasks.isEmpty()) {
                tasks(out, annotator, bench, pool.threads());
                out.flush();
                return 0;
            }
            AnnotateBench.Run single = bench.oneAtATime();
            AnnotateBench.Run batched = bench.batched(batch);
            if (json) {
                out.println(String.format(Locale.ROOT, "{\"model\": \"%s\", \"threads\": %d, \"numerics\": \"%s\", \"images\": %d, "
                                + "\"image_size\": %d, \"max_longest_edge\": %d, \"max_tokens\": %d, \"batch\": %d, "
                                + "\"one_at_a_time_images_per_hour\": %.1f, \"batched_images_per_hour\": %.1f, %s, %s}",
                        model.getFileName(), pool.threads(), numerics, images, size, maxLongestEdge, maxTokens, batch,
                        single.imagesPerHour(), batched.imagesPerHour(), stagesJson("one_at_a_time", single), stagesJson("batched", batched)));
            } else {
                out.printf("%s, %d threads, %s numerics, %s%n", annotator.describe(), pool.threads(), numerics, VectorApiCheck.describe());
                out.printf("%d images %dx%d, max longest edge %s, %d new tokens at most, scheduler batch %d%n", images, size, size,
                        maxLongestEdge == 0 ? "the model's" : maxLongestEdge, maxTokens, batch);
                row(out, "one at a time", single);
                row(out, "batched", batched);
                out.printf(Locale.ROOT, "batched / one at a time: %.2fx%n", batched.imagesPerHour() / single.imagesPerHour());
            }
        }
        out.flush();
        return 0;
    }

    /** Several tasks per image: separate rows against one encode, engine seconds per image (encode + prefill + decode). */
    private void tasks(PrintWriter out, ImageAnnotator annotator, AnnotateBench bench, int threads) {
        List<TaskRequest> requests = tasks.stream().map(t -> AnnotateBench.request(Task.parse(t))).toList();
        AnnotateBench.Run separate = bench.tasksSeparately(requests);
        AnnotateBench.Run shared = bench.tasksOnOneEncode(requests);
        double a = engineSeconds(separate) / separate.images(), b = engineSeconds(shared) / shared.images();
        if (json) {
            out.println(String.format(Locale.ROOT, "{\"model\": \"%s\", \"threads\": %d, \"numerics\": \"%s\", \"images\": %d, "
                            + "\"image_size\": %d, \"max_longest_edge\": %d, \"max_tokens\": %d, \"tasks\": \"%s\", "
                            + "\"separate_engine_s_per_image\": %.3f, \"one_encode_engine_s_per_image\": %.3f, %s, %s}",
                    model.getFileName(), threads, numerics, images, size, maxLongestEdge, maxTokens, String.join(",", tasks), a, b,
                    stagesJson("separate", separate), stagesJson("one_encode", shared)));
            return;
        }
        out.printf("%s, %d threads, %s numerics, %s%n", annotator.describe(), threads, numerics, VectorApiCheck.describe());
        out.printf("%d images %dx%d, max longest edge %s, %d new tokens at most, tasks %s%n", images, size, size,
                maxLongestEdge == 0 ? "the model's" : maxLongestEdge, maxTokens, String.join(",", tasks));
        row(out, "separate rows", separate);
        row(out, "one encode", shared);
        out.printf(Locale.ROOT, "engine seconds per image: separate rows %.2f s, one encode %.2f s: %.2fx fewer%n", a, b, a / b);
    }

    private static double engineSeconds(AnnotateBench.Run r) {
        return r.encodeSeconds() + r.prefillSeconds() + r.decodeSeconds();
    }

    private static void row(PrintWriter out, String name, AnnotateBench.Run r) {
        out.printf(Locale.ROOT, "  %-14s %8.1f images/h  (%.1f s; per image: %.0f image positions, %.1f tokens, "
                        + "encode %.2f s, prefill %.2f s, decode %.2f s)%n", name, r.imagesPerHour(), r.wallSeconds(),
                (double) r.imagePositions() / r.images(), (double) r.generatedTokens() / r.images(), r.encodeSeconds() / r.images(),
                r.prefillSeconds() / r.images(), r.decodeSeconds() / r.images());
    }

    private static String stagesJson(String prefix, AnnotateBench.Run r) {
        return String.format(Locale.ROOT, "\"%1$s_seconds\": %2$.3f, \"%1$s_encode_s\": %3$.3f, \"%1$s_prefill_s\": %4$.3f, "
                        + "\"%1$s_decode_s\": %5$.3f, \"%1$s_generated_tokens\": %6$d", prefix, r.wallSeconds(), r.encodeSeconds(),
                r.prefillSeconds(), r.decodeSeconds(), r.generatedTokens());
    }
}
