package dev.loupe.engine.vlm;

import dev.loupe.engine.task.TaskRequest;
import java.util.List;
import java.util.Objects;

/**
 * Several tasks asked of one image (the job's {@code --tasks caption,detect,count}): one value
 * from the rows of one image to the engine, which decodes and encodes the image once and
 * evaluates the prompt's shared prefix (template start and image) once for all of them
 * ({@link PreparedImageTasks}).
 *
 * @param image    the image's bytes
 * @param requests what is asked, one request per task; each gets its own annotation, in this order
 * @param settings generation settings of every request (the job seeds sampling from the image's id,
 *                 which all tasks of one image share, so each gets the seed it gets asked alone)
 * @param limits   how large the image is seen, the same for every request (one encode)
 */
public record ImageTasks(byte[] image, List<TaskRequest> requests, GenerationSettings settings, ImageLimits limits) {

    public ImageTasks {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(limits, "limits");
        requests = List.copyOf(requests);
        if (requests.isEmpty()) throw new IllegalArgumentException("no task to ask of the image");
    }

    /** One task asked of the image. */
    public static ImageTasks of(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits) {
        return new ImageTasks(image, List.of(request), settings, limits);
    }
}
