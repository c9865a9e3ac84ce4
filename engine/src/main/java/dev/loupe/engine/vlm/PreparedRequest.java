package dev.loupe.engine.vlm;

import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.Task;
import java.util.List;

/**
 * An annotation request whose image is decoded, preprocessed and encoded: what remains is
 * text generation from {@code segments}.
 *
 * @param userPrompt    the prompt the row gave (a question, an expression to find), or null
 * @param prompt        the text sent to the model: the task's instruction around the user's prompt, or its default
 * @param encodeSeconds seconds spent on the image: decoding, preprocessing, vision encoder
 *                      and projector
 * @param hidden        where the prefill keeps the image's hidden states for a readout from them
 *                      (Youtu-VL's dense tasks), or null when the request needs none
 * @param labels        the classify task's candidate labels, scored after {@code segments}; null for other tasks
 */
public record PreparedRequest(Task task, String userPrompt, String prompt, List<PromptSegment> segments, int imageWidth,
                              int imageHeight, double encodeSeconds, ImageFrame frame, ImageHiddenStates hidden, LabelCandidates labels) {

    /** A request without candidate labels. */
    public PreparedRequest(Task task, String userPrompt, String prompt, List<PromptSegment> segments, int imageWidth,
                           int imageHeight, double encodeSeconds, ImageFrame frame, ImageHiddenStates hidden) {
        this(task, userPrompt, prompt, segments, imageWidth, imageHeight, encodeSeconds, frame, hidden, null);
    }

    /** This request with the candidate labels to score after its prompt. */
    public PreparedRequest withLabels(LabelCandidates candidates) {
        return new PreparedRequest(task, userPrompt, prompt, segments, imageWidth, imageHeight, encodeSeconds, frame, hidden, candidates);
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

    /** Prompt positions taken by image embeddings. */
    public int imagePositions() {
        int n = 0;
        for (PromptSegment s : segments) if (s instanceof PromptSegment.Embeddings) n += s.length();
        return n;
    }
}
