package dev.loupe.engine.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a user asks of an image. Each task has a default prompt (used when the row gives none)
 * and a parser for the model's answer; families declare which tasks they are trained for.
 */
public enum Task {
    /** Describe the image in a sentence or a paragraph. */
    CAPTION("caption", "Describe this image."),
    /** Answer the user's question about the image; the prompt is required. */
    VQA("vqa", null),
    /**
     * Find what the prompt describes (a referring expression such as "the dog on the left", as in
     * RefCOCO) and return its box; for models trained to ground (Qwen3-VL). The prompt is
     * wrapped in the instruction those models answer with JSON boxes.
     */
    GROUND("ground", null),
    /**
     * Segment what the prompt describes (a referring expression, as in RefCOCO's segmentation
     * splits) and return its mask; for models trained to segment (Youtu-VL), each asking in its
     * own words. The prompt is required.
     */
    SEGMENT("segment", null);

    public final String id;
    private final String defaultPrompt;

    Task(String id, String defaultPrompt) {
        this.id = id;
        this.defaultPrompt = defaultPrompt;
    }

    /** The prompt to send: the user's when given (for ground, inside its instruction), else this task's default. */
    public String promptFor(String userPrompt) {
        boolean given = userPrompt != null && !userPrompt.isBlank();
        if (this == GROUND) {
            if (!given) throw new IllegalArgumentException("task 'ground' needs a prompt (what to find, e.g. \"the dog on the left\")");
            return "Locate " + userPrompt.strip() + " in this image and output its bbox coordinates in JSON format.";
        }
        if (this == SEGMENT && !given) {
            throw new IllegalArgumentException("task 'segment' needs a prompt (what to segment, e.g. \"the dog on the left\")");
        }
        if (given) return userPrompt;
        if (defaultPrompt == null) throw new IllegalArgumentException("task '" + id + "' needs a prompt (the question to answer)");
        return defaultPrompt;
    }

    /** Parses a task name (case-insensitive); a null or blank name means caption. */
    public static Task parse(String name) {
        if (name == null || name.isBlank()) return CAPTION;
        String key = name.trim().toLowerCase(Locale.ROOT);
        for (Task t : values()) if (t.id.equals(key)) return t;
        throw new IllegalArgumentException("unknown task '" + name + "'; known tasks: "
                + Arrays.stream(values()).map(t -> t.id).collect(Collectors.joining(", ")));
    }
}
