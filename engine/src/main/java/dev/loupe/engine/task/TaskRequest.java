package dev.loupe.engine.task;

import java.util.List;

/**
 * What a row asks of its image: the task, the row's prompt (a question, an expression to find,
 * what to point at or count), the categories it names ({@code --categories} or the row's
 * categories column) and, for classify, the candidate labels with how they are scored
 * ({@code --labels}, {@code --labels-file} or the row's labels column, {@code --label-scoring}).
 * The engine's one request value: {@code ImageAnnotator.annotate}, {@code BatchableAnnotator.prepare},
 * {@code BatchScheduler.submit} take it, {@code PreparedRequest} carries it to the generator or to
 * the label scorer, and the prompt book renders it, so that a new kind of input reaches the model
 * as a field here rather than as one more argument of every signature between the job and the
 * prompt book. The image and its limits stay apart: they are the input, not what is asked of it.
 *
 * @param task       the task to run
 * @param prompt     the row's prompt, or null for the task's default
 * @param categories the categories the row names, stripped, blank ones dropped; empty when it names none
 * @param labels     classify's candidate labels and their scoring (required for classify); null for other tasks
 */
public record TaskRequest(Task task, String prompt, List<String> categories, LabelCandidates labels) {

    public TaskRequest {
        if (task == null) throw new IllegalArgumentException("no task");
        categories = categories == null ? List.of() : categories.stream().filter(c -> c != null && !c.isBlank()).map(String::strip).toList();
        if (!categories.isEmpty() && !task.takesCategories()) {
            throw new IllegalArgumentException("task '" + task.id + "' takes no categories (got " + String.join(", ", categories)
                    + "); detect, semantic, point and count do");
        }
        if (task.scoresCandidates() && labels == null) throw LabelCandidates.missing();
        if (!task.scoresCandidates() && labels != null) {
            throw new IllegalArgumentException("task '" + task.id + "' takes no candidate labels (got " + labels.joined() + "); classify does");
        }
    }

    /** A request naming categories (or none), of a task that scores no candidate labels. */
    public TaskRequest(Task task, String prompt, List<String> categories) {
        this(task, prompt, categories, null);
    }

    /** A request naming no categories. */
    public static TaskRequest of(Task task, String prompt) {
        return new TaskRequest(task, prompt, List.of());
    }

    /** A classify request: its prompt (null for the family's template) and its candidates. */
    public static TaskRequest classify(String prompt, LabelCandidates labels) {
        return new TaskRequest(Task.CLASSIFY, prompt, List.of(), labels);
    }

    /** Whether the row gave a prompt (a blank one is none). */
    public boolean hasPrompt() {
        return prompt != null && !prompt.isBlank();
    }

    /**
     * The prompt in family-neutral form (Qwen3-VL's words, Youtu-VL's for semantic segmentation,
     * which only it does; for classify, the template with the candidates in it): what a row shows
     * when it fails before a model words it, and what its sampling seed is made of. A missing
     * required prompt or categories are refused by name.
     */
    public String instruction() {
        if (labels != null) return PromptBook.defaults().render("qwen3vl", this);
        if (categories.isEmpty()) return task.promptFor(prompt);
        return PromptBook.defaults().render(task == Task.SEMANTIC ? "youtuvl" : "qwen3vl", this);
    }

    /**
     * The categories the request asks for: those it names, else, for detect and semantic
     * segmentation, whose prompt has always been a comma-separated category list, the prompt's.
     */
    public List<String> askedCategories() {
        if (!categories.isEmpty()) return categories;
        return task == Task.DETECT || task == Task.SEMANTIC ? Task.categories(prompt) : List.of();
    }
}
