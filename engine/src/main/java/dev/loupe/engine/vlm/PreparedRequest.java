package dev.loupe.engine.vlm;

import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.util.List;

/**
 * An annotation request whose image is decoded, preprocessed and encoded: what remains is
 * text generation from {@code segments}.
 *
 * @param request       what the row asked: its task, its prompt (a question, an expression to find), categories
 *                      and, for classify, the candidate labels the scorer scores after {@code segments}
 * @param prompt        the text sent to the model: the task's instruction around the user's prompt, or its default
 * @param encodeSeconds seconds spent on the image: decoding, preprocessing, vision encoder
 *                      and projector
 * @param hidden        where the prefill keeps the image's hidden states for a readout from them
 *                      (Youtu-VL's dense tasks), or null when the request needs none
 */
public record PreparedRequest(TaskRequest request, String prompt, List<PromptSegment> segments, int imageWidth,
                              int imageHeight, double encodeSeconds, ImageFrame frame, ImageHiddenStates hidden) {

    /** A request naming no categories. */
    public PreparedRequest(Task task, String userPrompt, String prompt, List<PromptSegment> segments, int imageWidth, int imageHeight,
                           double encodeSeconds, ImageFrame frame, ImageHiddenStates hidden) {
        this(TaskRequest.of(task, userPrompt), prompt, segments, imageWidth, imageHeight, encodeSeconds, frame, hidden);
    }

    /** A request that needs no hidden states. */
    public PreparedRequest(Task task, String userPrompt, String prompt, List<PromptSegment> segments, int imageWidth, int imageHeight,
                           double encodeSeconds, ImageFrame frame) {
        this(task, userPrompt, prompt, segments, imageWidth, imageHeight, encodeSeconds, frame, null);
    }

    /** A request whose model saw no single canvas of the image (tiles): no frame to map coordinates through. */
    public PreparedRequest(Task task, String userPrompt, String prompt, List<PromptSegment> segments, int imageWidth, int imageHeight,
                           double encodeSeconds) {
        this(task, userPrompt, prompt, segments, imageWidth, imageHeight, encodeSeconds, null, null);
    }

    /** The same request with {@code seconds} as its encode time (its share of an encode several requests had in common). */
    public PreparedRequest withEncodeSeconds(double seconds) {
        return new PreparedRequest(request, prompt, segments, imageWidth, imageHeight, seconds, frame, hidden);
    }

    public Task task() {
        return request.task();
    }

    /** The prompt the row gave, or null. */
    public String userPrompt() {
        return request.prompt();
    }

    /** Prompt positions taken by image embeddings. */
    public int imagePositions() {
        int n = 0;
        for (PromptSegment s : segments) if (s instanceof PromptSegment.Embeddings) n += s.length();
        return n;
    }
}
