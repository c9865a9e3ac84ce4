package dev.loupe.job;

import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The annotate job's options that the command line left to their defaults, with the values they
 * took: printed when the job starts, so a run that changed one thing says what it kept, and
 * again under the summary.
 *
 * @param values option name → the value it defaulted to, in the order of the command's help
 * @param demoModel whether the model pair is the demo's (random weights: its text is gibberish)
 */
public record DefaultsUsed(Map<String, String> values, boolean demoModel) {
    /** The options whose defaults are worth reporting: the demo's data and where it goes. */
    static final List<String> REPORTED = List.of("--input", "--model", "--mmproj", "--output", "--mode", "--show", "--task");

    public DefaultsUsed {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    static DefaultsUsed of(Predicate<String> given, AnnotateOptions o) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String option : REPORTED) {
            if (given.test(option)) continue;
            values.put(option, switch (option) {
                case "--input" -> o.input();
                case "--model" -> o.model().model();
                case "--mmproj" -> o.model().mmproj();
                case "--output" -> o.output();
                case "--mode" -> o.mode().name().toLowerCase(Locale.ROOT);
                case "--show" -> Integer.toString(o.show());
                case "--task" -> o.task();
                default -> throw new IllegalStateException(option);
            });
        }
        return new DefaultsUsed(values, !given.test("--model") && !given.test("--mmproj"));
    }

    /**
     * Whether any of the demo's data options was defaulted. Only then is there something to
     * report: a run that names its input, output and model is not a demo, and its {@code --task
     * caption} or {@code --show 0} are ordinary defaults.
     */
    public boolean anyDemoData() {
        return DemoDefaults.OPTIONS.stream().anyMatch(values::containsKey);
    }

    /** The start of a run: each default on its own line, and what the demo model is. */
    public void printStart(PrintWriter out) {
        if (!anyDemoData()) return;
        out.println("loupe annotate: defaults used (give an option to change just that one; --help lists them all):");
        values.forEach((option, value) -> out.printf("  %-9s %s%n", option, value));
        if (demoModel) {
            out.println("loupe annotate: the demo model has RANDOM weights: expect gibberish. For real answers pass a real pair (README:");
            out.println("  Real models), e.g. the ggml-org SmolVLM GGUFs (huggingface.co/ggml-org/SmolVLM-256M-Instruct-GGUF):");
            out.println("  --model SmolVLM-256M-Instruct-Q8_0.gguf --mmproj mmproj-SmolVLM-256M-Instruct-Q8_0.gguf");
        }
    }

    /** One line under the summary: which options were defaulted. */
    public void printSummaryLine(PrintWriter out) {
        if (!anyDemoData()) return;
        out.println("loupe annotate: defaults used: " + values.entrySet().stream()
                .map(e -> e.getKey().equals("--mode") || e.getKey().equals("--show") || e.getKey().equals("--task")
                        ? e.getKey() + " " + e.getValue() : e.getKey())
                .collect(Collectors.joining(", ")));
    }
}
