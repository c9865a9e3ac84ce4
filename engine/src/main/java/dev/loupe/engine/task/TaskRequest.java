package dev.loupe.engine.task;

import java.util.List;

/**
 * What a row asks of its image: the task, the row's prompt (a question, an expression to find,
 * what to point at or count) and the categories it names ({@code --categories} or the row's
 * categories column). One value, so that a new kind of input reaches the model without every
 * signature between the job and the prompt book growing an argument.
 *
 * @param task       the task to run
 * @param prompt     the row's prompt, or null for the task's default
 * @param categories the categories the row names, stripped, blank ones dropped; empty when it names none
 */
public record TaskRequest(Task task, String prompt, List<String> categories) {

    public TaskRequest {
        if (task == null) throw new IllegalArgumentException("no task");
        categories = categories == null ? List.of() : categories.stream().filter(c -> c != null && !c.isBlank()).map(String::strip).toList();
        if (!categories.isEmpty() && !task.takesCategories()) {
            throw new IllegalArgumentException("task '" + task.id + "' takes no categories (got " + String.join(", ", categories)
                    + "); detect, semantic, point and count do");
        }
    }

    /** A request naming no categories. */
    public static TaskRequest of(Task task, String prompt) {
        return new TaskRequest(task, prompt, List.of());
    }

    /** Whether the row gave a prompt (a blank one is none). */
    public boolean hasPrompt() {
        return prompt != null && !prompt.isBlank();
    }

    /**
     * The prompt in family-neutral form (Qwen3-VL's words, Youtu-VL's for semantic segmentation,
     * which only it does): what a row shows when it fails before a model words it, and what its
     * sampling seed is made of. A missing required prompt or categories are refused by name.
     */
    public String instruction() {
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
