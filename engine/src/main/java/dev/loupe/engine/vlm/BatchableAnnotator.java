package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;

/**
 * An annotator whose work splits into an image part ({@link #prepare}) and a generation part
 * that a {@link BatchScheduler} can run for many requests at once.
 */
public interface BatchableAnnotator extends ImageAnnotator {

    /**
     * Decodes and encodes the image (within the request's limits) and builds the prompt (for
     * classify, with the candidate labels in it); bad input, a limit included, throws
     * IllegalArgumentException.
     */
    PreparedRequest prepare(ImageRequest request);

    default PreparedRequest prepare(byte[] image, Task task, String prompt, ImageLimits limits) {
        return prepare(new ImageRequest(image, task, prompt, limits));
    }

    default PreparedRequest prepare(byte[] image, Task task, String prompt) {
        return prepare(image, task, prompt, ImageLimits.NONE);
    }

    Generator generator();

    /**
     * Whether a row batched by a {@link BatchScheduler} gets the same text whichever rows share
     * its decode steps ({@link dev.loupe.engine.llm.TextDecoder#decodeStepsBatchInvariant}): what
     * makes batching safe to turn on by default, a retried Spark task reproducing its rows.
     */
    default boolean batchesReproducibly() {
        return generator().decoder().decodeStepsBatchInvariant();
    }

    /** Scores candidate answers after a prompt: the classify task, in any family. */
    LabelScorer labelScorer();

    /**
     * Classify requests are scored here (a prefill and one short pass per candidate, outside any
     * batch); the others go the way of {@link #annotate(byte[], Task, String, GenerationSettings, ImageLimits)}.
     */
    @Override
    default Annotation annotate(ImageRequest request, GenerationSettings settings) {
        if (!request.task().scoresCandidates()) return annotate(request.image(), request.task(), request.prompt(), settings, request.limits());
        return labelScorer().annotation(prepare(request).withLabels(request.labels()));
    }

    /** The annotation for a request once its text is generated. */
    Annotation annotation(PreparedRequest request, Generation generation);

    @Override
    default Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings) {
        return annotate(image, task, prompt, settings, ImageLimits.NONE);
    }

    @Override
    default Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits) {
        PreparedRequest r = prepare(image, task, prompt, limits);
        return annotation(r, generator().generate(r.segments(), settings, r.hidden()));
    }
}
