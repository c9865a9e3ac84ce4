package dev.loupe.engine.vlm;

import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.Task;
import java.util.Objects;

/**
 * One annotation request as its caller has it, before the image is decoded: what the engine's
 * {@link ImageAnnotator#annotate(ImageRequest, GenerationSettings)} and
 * {@link BatchableAnnotator#prepare(ImageRequest)} take, so that a new per-request input is a
 * field here rather than one more argument everywhere.
 *
 * @param image  the image file's bytes
 * @param task   what to do
 * @param prompt the row's prompt, or null for the task's default
 * @param limits the request's own cap on the image's resolution
 * @param labels the classify task's candidate labels, or null for other tasks
 */
public record ImageRequest(byte[] image, Task task, String prompt, ImageLimits limits, LabelCandidates labels) {

    public ImageRequest {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(limits, "limits");
    }

    /** A request of a task without candidate labels. */
    public ImageRequest(byte[] image, Task task, String prompt, ImageLimits limits) {
        this(image, task, prompt, limits, null);
    }
}
