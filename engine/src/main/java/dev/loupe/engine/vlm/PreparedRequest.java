package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Task;
import java.util.List;

/**
 * An annotation request whose image is decoded, preprocessed and encoded: what remains is
 * text generation from {@code segments}.
 */
public record PreparedRequest(Task task, String prompt, List<PromptSegment> segments, int imageWidth, int imageHeight) {}
