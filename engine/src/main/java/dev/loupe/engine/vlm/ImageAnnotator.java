package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;

/**
 * The engine's one call: image bytes + task + prompt in, annotation out. Implementations are
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
     * value, which may carry more than those arguments: the classify task's candidate labels.
     * Annotators that cannot score candidates refuse classify.
     */
    default Annotation annotate(ImageRequest request, GenerationSettings settings) {
        if (request.task().scoresCandidates()) throw new IllegalArgumentException(describe() + " cannot score candidate labels (task 'classify')");
        return annotate(request.image(), request.task(), request.prompt(), settings, request.limits());
    }

    /** A short description of the loaded model, e.g. "smolvlm (llama + idefics3), F16". */
    String describe();

    @Override
    void close();
}
