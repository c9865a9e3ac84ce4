package dev.loupe.job;

import dev.loupe.engine.task.Task;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What the annotate job's data options are when the command line leaves them out: the demo of
 * this Loupe checkout (sample-data's images, the tiny demo SmolVLM pair) and a scratch output
 * under {@code out/}. Each option defaults on its own, so {@code --output X} alone or
 * {@code --task ground --prompt ...} alone runs with the rest of the demo.
 *
 * <p>A picocli default provider, so that {@code --help} shows the actual paths and a parse
 * result can tell a defaulted option from a given one.
 *
 * @param home the Loupe checkout the defaults live in
 */
public record DemoDefaults(Path home) implements IDefaultValueProvider {
    /** The system property {@code submit.sh} sets to its own directory. */
    public static final String HOME_PROPERTY = "loupe.home";
    static final String HOME_ENV = "LOUPE_HOME";

    public DemoDefaults {
        home = home.toAbsolutePath().normalize();
    }

    /**
     * The checkout this JVM runs from: {@code -Dloupe.home} (set by {@code submit.sh}), else
     * {@code $LOUPE_HOME}, else the checkout these classes were built in (they sit in
     * {@code spark-job/target}), else the working directory.
     */
    public static DemoDefaults ofThisInstall() {
        String property = System.getProperty(HOME_PROPERTY);
        if (property != null && !property.isBlank()) return new DemoDefaults(Path.of(property));
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) return new DemoDefaults(Path.of(env));
        Path built = checkoutOfTheseClasses();
        return new DemoDefaults(built != null ? built : Path.of(""));
    }

    public Path input() {
        return home.resolve("sample-data/images");
    }

    public Path model() {
        return home.resolve("sample-data/models/smolvlm-text-q8_0.gguf");
    }

    public Path mmproj() {
        return home.resolve("sample-data/models/smolvlm-mmproj-f16.gguf");
    }

    /** The oracle's tiny Youtu-VL (random weights too), the demo for the tasks the SmolVLM refuses; {@code submit.sh eval}'s demo. */
    public Path youtuVlModel() {
        return home.resolve("engine/src/test/resources/oracle/youtuvl/models/youtuvl-text-f16.gguf");
    }

    public Path youtuVlMmproj() {
        return home.resolve("engine/src/test/resources/oracle/youtuvl/models/youtuvl-mmproj-f16.gguf");
    }

    /**
     * Whether a job-wide task wants the demo Youtu-VL rather than the SmolVLM: the tasks the
     * SmolVLM refuses and Youtu-VL does (ground, detect, segment, pose, ...), so that
     * {@code --task ground --prompt ...} alone gives boxes, not a column of refusals. (No demo
     * points: only Qwen3-VL does, and its oracle model is not a runnable pair.)
     */
    public static boolean wantsYoutuVl(String task) {
        if (task != null && task.contains(",")) { // --tasks: any one of them
            for (String t : task.split(",")) if (wantsYoutuVl(t)) return true;
            return false;
        }
        Task t;
        try {
            t = Task.parse(task);
        } catch (IllegalArgumentException unknown) {
            return false; // the rows will say so
        }
        return !VisionLanguageModels.tasks("llama", "idefics3").contains(t) && VisionLanguageModels.tasks("deepseek2", "youtuvl").contains(t);
    }

    /** A scratch directory of this checkout, replaced by every run that writes to it (see {@link AnnotateJob}'s --mode). */
    public Path output() {
        return home.resolve("out/sample-annotations");
    }

    /** The eval job's demo dataset: ten objects in five photos, in lmms-eval's layout. */
    public Path evalDataset() {
        return home.resolve("sample-data/refcoco-sample");
    }

    /** The eval job's scratch output, replaced by every run that writes to it. */
    public Path evalOutput() {
        return home.resolve("out/sample-eval");
    }

    /**
     * The eval job's defaults: the sample dataset, its scratch output, and the tiny Youtu-VL (the
     * demo SmolVLM cannot ground).
     */
    public IDefaultValueProvider forEval() {
        Map<String, Path> byOption = Map.of("--dataset", evalDataset(), "--output", evalOutput(), "--model", youtuVlModel(),
                "--mmproj", youtuVlMmproj());
        return argument -> argument instanceof OptionSpec option && byOption.containsKey(option.longestName())
                ? byOption.get(option.longestName()).toString() : null;
    }

    /** The options this provides defaults for. */
    public static final List<String> OPTIONS = List.of("--input", "--output", "--model", "--mmproj");

    /** The default of each option this provides, by its longest name. */
    public Map<String, Path> byOption() {
        return Map.of("--input", input(), "--output", output(), "--model", model(), "--mmproj", mmproj());
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option)) return null;
        Path value = byOption().get(option.longestName());
        return value == null ? null : value.toString();
    }

    /** {@code .../spark-job/target/classes} or {@code .../spark-job/target/some.jar} → the checkout, if it has the demo. */
    private static Path checkoutOfTheseClasses() {
        try {
            var source = DemoDefaults.class.getProtectionDomain().getCodeSource();
            if (source == null) return null;
            Path p = Path.of(source.getLocation().toURI());
            for (int up = 0; up < 4 && p != null; up++, p = p.getParent()) {
                if (Files.isDirectory(p.resolve("sample-data/models"))) return p;
            }
            return null;
        } catch (Exception e) { // not a file URI (a cluster's class loader): no checkout to point at
            return null;
        }
    }
}
