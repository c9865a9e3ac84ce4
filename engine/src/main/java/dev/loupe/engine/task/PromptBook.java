package dev.loupe.engine.task;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What each model family is asked for each task: templates keyed {@code FAMILY.TASK}, with
 * {@code FAMILY.TASK.categories} for the variant used when the row lists categories and
 * {@code FAMILY.TASK.default-categories} for the categories used when it lists none. The
 * defaults are conf/prompt-book.properties, built into the engine; a job's own file replaces the
 * lines it has. Placeholders: {@code {prompt}} (the row's prompt; a template with it needs one),
 * {@code {categories}} (the categories the request names, or for detect and semantic those its
 * prompt lists, joined by ", "), {@code {categories_compact}} (joined by ","), {@code {labels}}
 * (classify: the request's candidate labels, joined by ", "; filled in a row's own prompt too). A template
 * without {@code {prompt}} is the task's default, and a row that gives a prompt sends it instead.
 * Immutable and thread-safe.
 */
public final class PromptBook {
    /** Where the engine's jar keeps conf/prompt-book.properties. */
    static final String RESOURCE = "/dev/loupe/engine/conf/prompt-book.properties";

    private static final PromptBook DEFAULTS = new PromptBook(readDefaults(), "the built-in prompt book");

    private final Map<String, String> templates;
    private final String source;

    private PromptBook(Map<String, String> templates, String source) {
        this.templates = Map.copyOf(templates);
        this.source = source;
    }

    /** The built-in book: each model's own documented prompts. */
    public static PromptBook defaults() {
        return DEFAULTS;
    }

    /** The built-in book with the lines of {@code file} replacing its own. */
    public static PromptBook withOverrides(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return DEFAULTS.with(read(in, file.toString()), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("prompt book " + file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("prompt book " + file + ": " + e.getMessage(), e);
        }
    }

    /** The built-in book with the lines of {@code text} (the form of conf/prompt-book.properties) replacing its own. */
    public static PromptBook withOverrides(String text, String source) {
        try {
            return DEFAULTS.with(read(new java.io.StringReader(text), source), source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PromptBook with(Map<String, String> overrides, String overridesSource) {
        Map<String, String> merged = new HashMap<>(templates);
        merged.putAll(overrides);
        return new PromptBook(merged, source + " and " + overridesSource);
    }

    /**
     * The text {@code family} is sent for {@code task} and the row's prompt; a missing required
     * prompt or a family without a line for the task is refused by name.
     */
    public String render(String family, Task task, String userPrompt) {
        return render(family, TaskRequest.of(task, userPrompt));
    }

    /**
     * The text {@code family} is sent for {@code request}: for classify, the row's prompt when
     * given, else the family's template, with {@code {labels}} replaced by the candidates; with
     * the categories it names, the {@code .categories} variant (or the template itself when it
     * has {@code {categories}}); else the template, filled with the row's prompt or replaced by
     * it. A missing required prompt, a family without a line for the task or without a form
     * taking categories is refused by name.
     */
    public String render(String family, TaskRequest request) {
        Task task = request.task();
        String key = family + "." + task.id;
        String template = templates.get(key);
        if (template == null) throw new IllegalArgumentException(source + " has no prompt for " + key);
        String userPrompt = request.prompt();
        boolean given = request.hasPrompt();
        if (request.labels() != null) return (given ? userPrompt.strip() : template).replace("{labels}", request.labels().joined());
        String withCategories = templates.get(key + ".categories");
        if (!request.categories().isEmpty()) {
            String t = withCategories != null ? withCategories : template;
            if (!t.contains("{categories")) {
                throw new IllegalArgumentException(source + " has no prompt for " + key + " that takes categories (a line "
                        + key + ".categories, or {categories} in " + key + ")");
            }
            String filled = fill(t, String.join(", ", request.categories()), String.join(",", request.categories()));
            if (!filled.contains("{prompt}")) return filled;
            if (!given) throw new IllegalArgumentException("task '" + task.id + "' needs a prompt (" + needs(task) + ")");
            return filled.replace("{prompt}", userPrompt.strip());
        }
        List<String> listed = Task.categories(userPrompt);
        if (template.contains("{prompt}")) {
            if (!given) throw new IllegalArgumentException("task '" + task.id + "' needs a prompt (" + needs(task) + ")");
            return template.replace("{prompt}", userPrompt.strip());
        }
        String defaults = templates.get(key + ".default-categories");
        if (!listed.isEmpty() && (withCategories != null || template.contains("{categories"))) {
            return fill(withCategories != null ? withCategories : template, String.join(", ", listed), String.join(",", listed));
        }
        if (defaults != null) {
            // The default list goes in as written (the demo's has quirks such as "bed , bottle").
            return fill(template, defaults, String.join(",", Task.categories(defaults)));
        }
        if (template.contains("{categories")) throw new IllegalArgumentException("task '" + task.id + "' needs categories (a comma-separated prompt)");
        return given ? userPrompt : template;
    }

    /** The categories a task asks for: those the row lists, else the family's defaults for it, else none. */
    public List<String> categories(String family, Task task, String userPrompt) {
        return categories(family, TaskRequest.of(task, userPrompt));
    }

    /** The categories a request asks for ({@link TaskRequest#askedCategories}), else the family's defaults for its task, else none. */
    public List<String> categories(String family, TaskRequest request) {
        List<String> asked = request.askedCategories();
        if (!asked.isEmpty()) return asked;
        return Task.categories(templates.get(family + "." + request.task().id + ".default-categories"));
    }

    private static String fill(String template, String categories, String compact) {
        return template.replace("{categories_compact}", compact).replace("{categories}", categories);
    }

    private static String needs(Task task) {
        return switch (task) {
            case VQA -> "the question to answer";
            case GROUND -> "what to find, e.g. \"the dog on the left\"";
            case POINT -> "what to point at, e.g. \"the red apples\"; or categories: --categories, a categories column";
            case COUNT -> "what to count, e.g. \"dogs\"; or categories: --categories, a categories column";
            default -> "what to segment, e.g. \"the dog on the left\"";
        };
    }

    private static Map<String, String> readDefaults() {
        try (InputStream in = PromptBook.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the engine's jar (conf/prompt-book.properties)");
            return read(new InputStreamReader(in, StandardCharsets.UTF_8), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> read(Reader in, String source) throws IOException {
        Properties p = new Properties();
        p.load(in);
        Map<String, String> out = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            String family = key.contains(".") ? key.substring(0, key.indexOf('.')) : "";
            if (!family.equals("smolvlm") && !family.equals("qwen3vl") && !family.equals("youtuvl")) {
                throw new IllegalArgumentException(source + ": '" + key + "' names no family (smolvlm, qwen3vl, youtuvl)");
            }
            String rest = key.substring(family.length() + 1);
            String taskName = rest.replaceFirst("\\.(categories|default-categories)$", "");
            Task.parse(taskName); // an unknown task is named with the known ones
            out.put(key, p.getProperty(key));
        }
        return out;
    }
}
