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
 * {@code {categories}} (joined by ", "), {@code {categories_compact}} (joined by ","). A template
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
        if (task == Task.CLASSIFY) throw new IllegalArgumentException("task 'classify' needs candidate labels (--labels a,b,c, --labels-file, or a labels column)");
        return renderTemplate(family, task, userPrompt);
    }

    /**
     * The text {@code family} is sent for a classify request: the row's prompt when given, else
     * the family's template, with {@code {labels}} replaced by the candidates.
     */
    public String render(String family, Task task, String userPrompt, LabelCandidates labels) {
        if (labels == null || task != Task.CLASSIFY) return render(family, task, userPrompt);
        String key = family + "." + task.id;
        String template = templates.get(key);
        if (template == null) throw new IllegalArgumentException(source + " has no prompt for " + key);
        boolean given = userPrompt != null && !userPrompt.isBlank();
        return (given ? userPrompt.strip() : template).replace("{labels}", labels.joined());
    }

    private String renderTemplate(String family, Task task, String userPrompt) {
        String key = family + "." + task.id;
        String template = templates.get(key);
        if (template == null) throw new IllegalArgumentException(source + " has no prompt for " + key);
        boolean given = userPrompt != null && !userPrompt.isBlank();
        List<String> listed = Task.categories(userPrompt);
        if (template.contains("{prompt}")) {
            if (!given) throw new IllegalArgumentException("task '" + task.id + "' needs a prompt (" + needs(task) + ")");
            return template.replace("{prompt}", userPrompt.strip());
        }
        String withCategories = templates.get(key + ".categories");
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
        List<String> listed = Task.categories(userPrompt);
        if (!listed.isEmpty()) return listed;
        return Task.categories(templates.get(family + "." + task.id + ".default-categories"));
    }

    private static String fill(String template, String categories, String compact) {
        return template.replace("{categories_compact}", compact).replace("{categories}", categories);
    }

    private static String needs(Task task) {
        return switch (task) {
            case VQA -> "the question to answer";
            case GROUND -> "what to find, e.g. \"the dog on the left\"";
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
