package dev.loupe.engine.task;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a user asks of an image. Each task has a default prompt (used when the row gives none)
 * and a parser for the model's answer; families declare which tasks they are trained for.
 */
public enum Task {
    /** Describe the image in a sentence or a paragraph. */
    CAPTION("caption", "Describe this image.", null),
    /** Answer the user's question about the image; the prompt is required. */
    VQA("vqa", null, null),
    /**
     * Find what the prompt describes (a referring expression such as "the dog on the left", as in
     * RefCOCO) and return its box; for models trained to ground (Qwen3-VL). The prompt is
     * wrapped in the instruction those models answer with JSON boxes.
     */
    GROUND("ground", null, "Qwen3-VL, Youtu-VL"),
    /**
     * Find every object in the image, or every one of the categories the prompt lists
     * (comma-separated, e.g. "dog, cat"), and return their labelled boxes; for models trained to
     * detect (Qwen3-VL, Youtu-VL), each asking in its own words. The prompt is optional.
     */
    DETECT("detect", null, "Qwen3-VL, Youtu-VL"),
    /**
     * Segment what the prompt describes (a referring expression, as in RefCOCO's segmentation
     * splits) and return its mask; for models trained to segment (Youtu-VL), each asking in its
     * own words. The prompt is required.
     */
    SEGMENT("segment", null, "Youtu-VL"),
    /**
     * Find every person and their body keypoints (MPII's 16 joints), for models trained to
     * (Youtu-VL), which are asked in their own words; the prompt is not used.
     */
    POSE("pose", "Detect all persons and their poses.", "Youtu-VL"),
    /**
     * Label every pixel with one of the categories the prompt lists (comma-separated), or, without
     * a prompt, one of ADE20K's 150 classes; one mask per category found. For models trained to
     * segment densely (Youtu-VL), asked in their words: the official demo's prompt.
     */
    SEMANTIC("semantic", null, "Youtu-VL"),
    /** Estimate the depth of every 16x16-pixel cell (Youtu-VL): 16-bit codes as the model gives them. */
    DEPTH("depth", "Estimate the depth.", "Youtu-VL"),
    /** Segment the image's main object, its "core target" (Youtu-VL; the demo asks it of crops around a box drawn on them). */
    CORE("core", "Segment the core target.", "Youtu-VL"),
    /**
     * Referring segmentation as the Youtu-VL demo does it, in passes: the expression's polygon
     * gives a box, then a "core target" pass on a crop around it (the box drawn on it, enlarged)
     * gives the mask. The prompt is required.
     */
    SEGMENT_REFINED("segment-refined", null, "Youtu-VL"),
    /**
     * Open-set segmentation as the Youtu-VL demo does it, in passes: the classes the model names
     * for the whole image, their boxes (at most 30, largest first), then a "core target" pass per
     * box; one mask per class.
     */
    SEGMENT_OPEN("segment-open", "Segment all objects in this image.", "Youtu-VL"),
    /**
     * Point at what the prompt describes, or at every instance of the categories the request
     * names, and return labelled points; for models trained to point (Qwen3-VL's JSON
     * {@code point_2d}). A prompt or categories are required.
     */
    POINT("point", null, "Qwen3-VL"),
    /**
     * Count what the prompt describes, or the instances of the categories the request names: a
     * number, and the boxes counted for families that count by detecting (Qwen3-VL, Youtu-VL with
     * categories); others answer in words, parsed for the number. A prompt or categories are required.
     */
    COUNT("count", null, null),
    /** Read the text in the image; the answer, without code fences, is the row's text. */
    OCR("ocr", "Read all the text in the image.", null),
    /**
     * Choose one label of a candidate list: each candidate's likelihood as the model's answer is
     * computed by teacher forcing (no text is generated or parsed), so every family can do it. The
     * candidates appear in the prompt ({@code {labels}} in the prompt book's template, or in the
     * row's own prompt); the row's prompt, when given, replaces the template.
     */
    CLASSIFY("classify", "Which of these best describes the image?", null);

    public final String id;
    private final String defaultPrompt;
    /** The families trained for this task, for error messages; null when every family does it. */
    private final String trainedFamilies;

    Task(String id, String defaultPrompt, String trainedFamilies) {
        this.id = id;
        this.defaultPrompt = defaultPrompt;
        this.trainedFamilies = trainedFamilies;
    }

    /**
     * Refuses a task {@code family} was not trained for, by name: "task 'segment' needs a model
     * trained for it (Youtu-VL); SmolVLM is not".
     */
    public static void requireTrained(Task task, Set<Task> trained, String family) {
        if (trained.contains(task)) return;
        throw new IllegalArgumentException("task '" + task.id + "' needs a model trained for it ("
                + (task.trainedFamilies == null ? "its families" : task.trainedFamilies) + "); " + family + " is not (it does "
                + trained.stream().map(t -> t.id).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * The prompt to send: the user's when given (for ground and detect, inside the instruction
     * Qwen3-VL answers with JSON boxes; families with other instructions wrap the user's prompt
     * themselves), else this task's default.
     */
    public String promptFor(String userPrompt) {
        boolean given = userPrompt != null && !userPrompt.isBlank();
        if (this == GROUND) {
            if (!given) throw new IllegalArgumentException("task 'ground' needs a prompt (what to find, e.g. \"the dog on the left\")");
            return "Locate " + userPrompt.strip() + " in this image and output its bbox coordinates in JSON format.";
        }
        if (this == DETECT) {
            List<String> categories = categories(userPrompt);
            return categories.isEmpty() ? "Locate every object in this image and output their bbox coordinates in JSON format."
                    : "Locate every instance that belongs to the following categories: \"" + String.join(", ", categories)
                            + "\". Report bbox coordinates in JSON format.";
        }
        if (this == SEMANTIC) return PromptBook.defaults().render("youtuvl", this, userPrompt); // only Youtu-VL segments densely
        if (this == POINT || this == COUNT) return PromptBook.defaults().render("qwen3vl", this, userPrompt); // the family with coordinates for both
        if ((this == SEGMENT || this == SEGMENT_REFINED) && !given) {
            throw new IllegalArgumentException("task '" + id + "' needs a prompt (what to segment, e.g. \"the dog on the left\")");
        }
        if (given) return userPrompt;
        if (defaultPrompt == null) throw new IllegalArgumentException("task '" + id + "' needs a prompt (the question to answer)");
        return defaultPrompt;
    }

    /** Whether the task runs the model more than once per image (its passes cannot join a batch's decode steps). */
    public boolean multiPass() {
        return this == SEGMENT_REFINED || this == SEGMENT_OPEN;
    }

    /**
     * Whether a request of this task may name categories ({@code --categories}, a categories
     * column): the tasks whose prompts have a {@code {categories}} form.
     */
    public boolean takesCategories() {
        return this == DETECT || this == SEMANTIC || this == POINT || this == COUNT;
    }

    /**
     * Whether the task scores given answers instead of generating one (classify): a prefill and one
     * short teacher-forced pass per candidate, which do not join a batch's decode steps.
     */
    public boolean scoresCandidates() {
        return this == CLASSIFY;
    }

    /** The categories a detect prompt lists: comma-separated names, stripped, empty ones dropped. */
    public static List<String> categories(String prompt) {
        if (prompt == null) return List.of();
        return Arrays.stream(prompt.split(",")).map(String::strip).filter(c -> !c.isEmpty()).toList();
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
