package dev.loupe.engine.vlm;

import dev.loupe.engine.task.TaskRequest;

/**
 * An image decoded, preprocessed and encoded once (within its limits), to be asked one task or
 * several ({@link ImageTasks}): each request only builds its prompt around the same embeddings.
 */
@FunctionalInterface
public interface EncodedImage {

    /**
     * The request's prompt around this image's embeddings; a task the family refuses, or a
     * request it cannot prepare, throws IllegalArgumentException.
     */
    PreparedRequest prepare(TaskRequest request);
}
