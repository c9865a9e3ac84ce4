package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;

/**
 * The engine's one call: image bytes + what is asked of them ({@link TaskRequest}: task, prompt,
 * categories, candidate labels) in, annotation out. Implementations are
 * thread-safe: many Spark task threads of one executor call the same instance.
 *
 * <p>A bad row (undecodable image, unsupported task, missing prompt) throws
 * {@link IllegalArgumentException} with a message naming the problem; callers turn it into
 * the row's {@code error} column.
 */
public interface ImageAnnotator extends AutoCloseable {

    Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings);

    /**
     * As {@link #annotate(byte[], Task, String, GenerationSettings)}, the image seen within
     * {@code limits}. Models that cannot apply a limit reject any but {@link ImageLimits#NONE}.
     */
    default Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits) {
        if (!limits.isNone()) throw new IllegalArgumentException(describe() + " takes no per-row image limits (got " + limits + ")");
        return annotate(image, task, prompt, settings);
    }

    /**
     * As {@link #annotate(byte[], Task, String, GenerationSettings, ImageLimits)} for a request
     * that may name categories or, for classify, candidate labels. Annotators that take neither
     * (test doubles) refuse a request naming categories rather than drop them, and refuse
     * classify, having no way to score candidates.
     */
    default Annotation annotate(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits) {
        if (request.task().scoresCandidates()) throw new IllegalArgumentException(describe() + " cannot score candidate labels (task 'classify')");
        if (!request.categories().isEmpty()) throw new IllegalArgumentException(describe() + " takes no categories (got " + request.categories() + ")");
        return annotate(image, request.task(), request.prompt(), settings, limits);
    }

    /** A short description of the loaded model, e.g. "smolvlm (llama + idefics3), F16". */
    String describe();

    /** What was repacked at load ({@link ModelOptions#repackWeights()}), for the load log line. */
    default dev.loupe.engine.tensor.RepackedWeights repackedWeights() {
        return dev.loupe.engine.tensor.RepackedWeights.NONE;
    }

    @Override
    void close();
}
