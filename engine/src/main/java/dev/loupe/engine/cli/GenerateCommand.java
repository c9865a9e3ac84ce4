package dev.loupe.engine.cli;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.VectorApiCheck;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.DenseReadout;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.LabelScoring;
import dev.loupe.engine.task.PromptBook;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.vlm.Generation;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ImageLimits;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.TextChat;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {
        "Generate text from a prompt, with an image when --mmproj and --image are given.",
        "Greedy by default (as llama.cpp with --temp 0); the answer goes to stdout, timings to stderr."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf", description = "Text model GGUF.")
    Path model;

    @Option(names = "--mmproj", paramLabel = "MMPROJ.gguf", description = "Vision projector GGUF (with --image).")
    Path mmproj;

    @Option(names = "--image", paramLabel = "IMAGE", description = "JPEG, PNG, BMP, GIF or WebP file.")
    Path image;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The user message (default: the task's prompt).")
    String prompt;

    @Option(names = "--task", defaultValue = "caption", description = "caption, vqa, ground, detect, point, count, ocr, segment, pose, semantic, depth, core, segment-refined, segment-open or classify (with --image; default ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--categories", paramLabel = "A,B,C", split = ",",
            description = "Categories for detect, count, point and semantic: what to find, e.g. dog,cat (with --image).")
    List<String> categories;

    @Option(names = "--labels", paramLabel = "A,B,...", description = "classify: the candidate labels, comma-separated.")
    String labels;

    @Option(names = "--labels-file", paramLabel = "FILE", description = "classify: the candidate labels, one per line (after those of --labels).")
    Path labelsFile;

    @Option(names = "--label-scoring", paramLabel = "sum|mean", defaultValue = "sum",
            description = "classify: a label's score is the sum of its tokens' log-probabilities (the answer's likelihood) or their mean "
                    + "(length-normalised); the probabilities are the softmax of the scores. Default: ${DEFAULT-VALUE}.")
    String labelScoring;

    @Option(names = "--constrain", paramLabel = "on|off|auto", defaultValue = "auto",
            description = "Keep ground, detect, point and count answers in their family's format so that they always parse: on, off, "
                    + "or auto (only where that cannot change a well-formed answer: greedy decoding of the JSON and coordinate-token "
                    + "formats). Default: ${DEFAULT-VALUE}.")
    String constrain;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Token limit (default ${DEFAULT-VALUE}).")
    int maxTokens;

    // Both spellings: llama.cpp's (--temp, --image-max-tokens) and the annotate job's (docs/options.md).
    @Option(names = {"--temp", "--temperature"}, defaultValue = "0", description = "Temperature; 0 is greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40") int topK;
    @Option(names = "--top-p", defaultValue = "0.95") float topP;
    @Option(names = "--min-p", defaultValue = "0.05") float minP;
    @Option(names = "--repeat-penalty", defaultValue = "1.0") float repeatPenalty;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Option(names = {"-t", "--threads"}, description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--max-longest-edge", defaultValue = "0",
            description = "idefics3: cap the longest edge images are scaled to (a multiple of the tile size; 0 = the model's).")
    int maxLongestEdge;

    @Option(names = {"--image-min-tokens", "--min-image-tokens"}, defaultValue = "0",
            description = "Qwen3-VL: the fewest tokens an image becomes (0 = the model's, 8).")
    int minImageTokens;

    @Option(names = {"--image-max-tokens", "--max-image-tokens"}, defaultValue = "0",
            description = "Qwen3-VL, Youtu-VL: the most tokens an image becomes; larger images are scaled down (0 = the model's: 4096, 62500).")
    int maxImageTokens;

    @Option(names = "--prompt-book", paramLabel = "FILE",
            description = "Prompts per family and task, replacing lines of the built-in book (conf/prompt-book.properties).")
    Path promptBook;

    @Option(names = "--dense-readout", paramLabel = "SPEC", defaultValue = "auto",
            description = "Youtu-VL semantic masks: from the answer's <mask> runs (text), the hidden states at image positions (hidden), "
                    + "or the runs when they cover the image, else the hidden states (auto, the default); then comma-separated choices of the "
                    + "hidden-state readout: shifted|unshifted, softmax|sigmoid[:T], bilinear|nearest, as-written|leading-space (defaults first).")
    String denseReadout;

    @Option(names = "--numerics", defaultValue = "fast", paramLabel = "exact|fast",
            description = "Arithmetic of the vision encoder, prefill and decode: fast (f32 products) or exact "
                    + "(llama.cpp's own, bit for bit; slower). Default: ${DEFAULT-VALUE}.")
    Numerics numerics;
    @Option(names = "--no-repack", description = "Keep weights as mapped instead of repacking them at load into panels for fast "
            + "prefill, decode and image encoding (the default repacks).") boolean noRepack;

    @Spec
    CommandSpec spec;

    private dev.loupe.engine.task.grammar.ConstrainMode constrainMode() {
        try {
            return dev.loupe.engine.task.grammar.ConstrainMode.parse(constrain);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--constrain " + e.getMessage().replace("constrain ", ""));
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((mmproj == null) != (image == null)) {
            throw new ParameterException(spec.commandLine(), "--mmproj and --image go together");
        }
        GenerationSettings settings = new GenerationSettings(maxTokens, temperature, temperature == 0 ? 0 : topK,
                temperature == 0 ? 1f : topP, temperature == 0 ? 0f : minP, repeatPenalty, 64, seed, constrainMode());
        ComputePool pool = threads == null ? ComputePool.shared() : new ComputePool(threads);
        if (VectorApiCheck.looksEmulated()) err.println(VectorApiCheck.describe());
        long start = System.nanoTime();
        if (image == null) {
            try (GgufFile f = GgufFile.open(model)) {
                Generation g = new TextChat(f, pool, numerics).generate(prompt == null ? "" : prompt, settings);
                out.println(g.text());
                report(err, start, g.promptTokens(), g.tokens().length, g.finishReason());
            }
        } else {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(image);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(image + ": no such image file");
            }
            try (ImageAnnotator annotator = VisionLanguageModels.open(model, mmproj, new ModelOptions(pool, maxLongestEdge, numerics, minImageTokens, maxImageTokens,
                    DenseReadout.parse(denseReadout), promptBook == null ? PromptBook.defaults() : PromptBook.withOverrides(promptBook), !noRepack))) {
                // The load (and repacking) of a 4B pair takes seconds: say what took them before the answer comes.
                err.printf(java.util.Locale.ROOT, "[loaded %s + %s in %.1f s, %s]%n", model.getFileName(), mmproj.getFileName(),
                        (System.nanoTime() - start) / 1e9, annotator.repackedWeights().describe());
                err.flush();
                Task parsed = Task.parse(task);
                Annotation a = annotator.annotate(bytes, new TaskRequest(parsed, prompt, categories, candidates(parsed)), settings, ImageLimits.NONE);
                out.println(a.text());
                printStructured(out, a);
                if (a.parseError() != null) err.println("[parse error: " + a.parseError() + "]");
                if (a.confidence() != null && a.confidence().meanLogprob() != null) {
                    err.printf(java.util.Locale.ROOT, "[token log-probability: mean %.3f, min %.3f]%n", a.confidence().meanLogprob(), a.confidence().minLogprob());
                }
                report(err, start, a.promptTokens(), a.generatedTokens(), a.finishReason());
            }
        }
        out.flush();
        return 0;
    }

    /** The classify task's candidates from --labels and --labels-file; null for other tasks, which take none. */
    private LabelCandidates candidates(Task parsed) throws IOException {
        if (!parsed.scoresCandidates()) {
            if (labels != null || labelsFile != null) throw new ParameterException(spec.commandLine(), "--labels and --labels-file are for --task classify");
            return null;
        }
        List<String> all = new ArrayList<>();
        if (labels != null) all.addAll(List.of(labels.split(",")));
        if (labelsFile != null) {
            try {
                all.addAll(LabelCandidates.linesOf(Files.readString(labelsFile)));
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(labelsFile + ": no such labels file");
            }
        }
        return new LabelCandidates(all, LabelScoring.parse(labelScoring));
    }

    /** What a structured task parsed from the answer, one line each, in original-image pixels. */
    static void printStructured(PrintWriter out, Annotation a) {
        if (a.boxes() != null) {
            for (Annotation.Box b : a.boxes()) {
                out.printf(java.util.Locale.ROOT, "box %s %.1f %.1f %.1f %.1f%s%n", b.label(), b.x0(), b.y0(), b.x1(), b.y1(),
                        b.score() == null ? "" : String.format(java.util.Locale.ROOT, " score %.3f", b.score()));
            }
        }
        if (a.points() != null) {
            for (Annotation.Point p : a.points()) out.printf(java.util.Locale.ROOT, "point %s %.1f %.1f%n", p.label(), p.x(), p.y());
        }
        if (a.count() != null) out.printf("count %d%n", a.count());
        if (a.masks() != null) {
            for (Annotation.Mask m : a.masks()) out.printf(java.util.Locale.ROOT, "mask %s %dx%d %s%n", m.label(), m.width(), m.height(), m.counts());
        }
        if (a.keypoints() != null) {
            for (Annotation.Person p : a.keypoints()) {
                out.printf(java.util.Locale.ROOT, "person %.1f %.1f %.1f %.1f, %d keypoints%n", p.x0(), p.y0(), p.x1(), p.y1(), p.points().size());
            }
        }
        if (a.labels() != null) {
            for (Annotation.Label l : a.labels()) out.printf(java.util.Locale.ROOT, "label %.4f %s%n", l.probability(), l.label());
        }
        if (a.depth() != null) {
            int[] codes = a.depth().codes();
            int min = java.util.Arrays.stream(codes).min().orElse(0), max = java.util.Arrays.stream(codes).max().orElse(0);
            out.printf(java.util.Locale.ROOT, "depth %dx%d cells, codes %d..%d%n", a.depth().gridWidth(), a.depth().gridHeight(), min, max);
        }
    }

    private static void report(PrintWriter err, long start, int promptTokens, int generated, String finish) {
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf("[%d prompt positions, %d generated, finish: %s, %.2f s]%n", promptTokens, generated, finish, seconds);
        err.flush();
    }
}
