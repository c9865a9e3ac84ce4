package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An annotator whose work splits into an image part ({@link #prepare}) and a generation part
 * that a {@link BatchScheduler} can run for many requests at once.
 */
public interface BatchableAnnotator extends ImageAnnotator {

    /**
     * Decodes and encodes the image (within {@code limits}) and builds the prompt (for classify,
     * with the candidate labels in it; the prepared request carries them to the scorer); bad
     * input, a limit included, throws IllegalArgumentException.
     */
    PreparedRequest prepare(byte[] image, TaskRequest request, ImageLimits limits);

    default PreparedRequest prepare(byte[] image, Task task, String prompt, ImageLimits limits) {
        return prepare(image, TaskRequest.of(task, prompt), limits);
    }

    default PreparedRequest prepare(byte[] image, Task task, String prompt) {
        return prepare(image, task, prompt, ImageLimits.NONE);
    }

    /**
     * Decodes, preprocesses and encodes the image once (within {@code limits}), for several requests
     * to be prepared around the same embeddings ({@link #annotateAll}); a bad image or limit throws
     * IllegalArgumentException. The default prepares each request from the bytes again (an encode
     * per request): the families override it.
     */
    default EncodedImage encode(byte[] image, ImageLimits limits) {
        return request -> prepare(image, request, limits);
    }

    /**
     * Several tasks asked of one image, one after the other on this thread: the image encoded once,
     * the prompts' shared prefix evaluated once, each task going on from a copy of its KV state
     * ({@link PreparedImageTasks}). One result per request, in order, each complete: a request that
     * failed (a task the family refuses, a prompt too long) holds its exception; a bad image fails all.
     * Each annotation equals the one {@link #annotate} gives the request alone.
     */
    default List<CompletableFuture<Annotation>> annotateAll(ImageTasks tasks) {
        List<CompletableFuture<Annotation>> results = new ArrayList<>();
        for (int i = 0; i < tasks.requests().size(); i++) results.add(new CompletableFuture<>());
        PreparedImageTasks group = PreparedImageTasks.prepare(this, tasks, results);
        for (PreparedImageTasks.Member m : group.members()) {
            try {
                m.result().complete(m.prepared().task().scoresCandidates() ? group.score(m)
                        : annotation(m.prepared(), generator().finish(group.start(m))));
            } catch (RuntimeException e) {
                m.result().completeExceptionally(e);
            }
        }
        group.runMultiPass();
        return results;
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
     * The grammar of the answer format this family's parser reads for the request's task, which
     * constrained decoding keeps the answer in ({@link GenerationSettings#constrain()}); null
     * when the task's answer is free text.
     */
    default AnswerGrammar answerGrammar(PreparedRequest request) {
        return null;
    }

    /** The annotation for a request once its text is generated. */
    Annotation annotation(PreparedRequest request, Generation generation);

    @Override
    default Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings) {
        return annotate(image, task, prompt, settings, ImageLimits.NONE);
    }

    @Override
    default Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits) {
        return annotate(image, TaskRequest.of(task, prompt), settings, limits);
    }

    /**
     * Prepares the request, then generates its answer; classify requests are scored instead (a
     * prefill and one short pass per candidate, outside any batch).
     */
    @Override
    default Annotation annotate(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits) {
        PreparedRequest r = prepare(image, request, limits);
        if (r.task().scoresCandidates()) return labelScorer().annotation(r);
        return annotation(r, generator().generate(r.segments(), settings, r.hidden(), answerGrammar(r)));
    }
}
