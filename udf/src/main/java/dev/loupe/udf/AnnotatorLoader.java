package dev.loupe.udf;

import dev.loupe.engine.task.Task;
import dev.loupe.engine.vlm.ImageAnnotator;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * How an executor turns a (model, mmproj) pair into an {@link ImageAnnotator}. Named by class in
 * {@code spark.loupe.loader} (or the {@code loader} option of {@link LoupeUdfs#register}) so that
 * only a class name travels to executors; the class needs a public no-arg constructor.
 * The default is {@link GgufAnnotatorLoader}; tests plug in fakes.
 */
public interface AnnotatorLoader {

    /**
     * Loads the model; called at most once per executor JVM and key, see {@link ModelCache}.
     *
     * @param model  the text GGUF as a local file (copied from a remote location if need be)
     * @param mmproj the mmproj GGUF as a local file
     * @param key    the settings fixed at load time: {@link ModelKey#maxLongestEdge()},
     *               {@link ModelKey#numerics()}
     */
    ImageAnnotator load(Path model, Path mmproj, ModelKey key);

    /**
     * Cheap checks run on the driver before any task starts, so that a missing or corrupt file,
     * or a setting the model cannot take, fails the job at once with the file named. The default
     * accepts anything.
     */
    default void validate(ModelKey key) {}

    /**
     * The tasks the model can run, known on the driver without loading it, so that a job can
     * choose its tasks (the eval job segments only with a model that can). The default: every task.
     */
    default Set<Task> tasks(ModelKey key) {
        return EnumSet.allOf(Task.class);
    }
}
