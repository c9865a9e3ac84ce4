package dev.loupe.engine.vlm;

import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects prompt segments, merging adjacent text into one segment as mtmd does (text between
 * two images is one chunk, however it was produced).
 */
final class PromptBuilder {
    private final BpeTokenizer tokenizer;
    private final List<PromptSegment> segments = new ArrayList<>();
    private final List<int[]> pendingText = new ArrayList<>();
    private boolean first = true;

    PromptBuilder(BpeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Tokenizes with special tokens parsed; BOS/EOS (if the vocabulary wants them) only at the start. */
    PromptBuilder text(String s) {
        if (s.isEmpty()) return this;
        pendingText.add(tokenizer.encode(s, first, true));
        first = false;
        return this;
    }

    PromptBuilder tokens(int... ids) {
        pendingText.add(ids);
        first = false;
        return this;
    }

    PromptBuilder embeddings(float[] rows, int count, int width) {
        flushText();
        segments.add(new PromptSegment.Embeddings(rows, count, width));
        first = false;
        return this;
    }

    /** An image of {@code gridX x gridY} tokens for a model with 2-D image positions. */
    PromptBuilder image(float[] rows, int gridX, int gridY, int width) {
        flushText();
        segments.add(new PromptSegment.Embeddings(rows, gridX * gridY, width, gridX, gridY));
        first = false;
        return this;
    }

    /**
     * One user turn of the model's chat format whose image (a {@code gridX x gridY} token grid)
     * sits between {@code <|vision_start|>} and {@code <|vision_end|>} where the format puts the
     * media marker, as mtmd lays out Qwen3-VL and Youtu-VL prompts; the whole prompt, built.
     */
    List<PromptSegment> userTurnWithVisionMarkers(ChatFormat chat, String userText, float[] rows, int gridX, int gridY, int width) {
        String formatted = chat.userPromptWithImage(userText);
        int marker = formatted.indexOf(ChatFormat.MEDIA_MARKER);
        return text(formatted.substring(0, marker) + "<|vision_start|>")
                .image(rows, gridX, gridY, width)
                .text("<|vision_end|>" + formatted.substring(marker + ChatFormat.MEDIA_MARKER.length()))
                .build();
    }

    List<PromptSegment> build() {
        flushText();
        return List.copyOf(segments);
    }

    private void flushText() {
        if (pendingText.isEmpty()) return;
        int n = pendingText.stream().mapToInt(a -> a.length).sum();
        int[] all = new int[n];
        int o = 0;
        for (int[] a : pendingText) {
            System.arraycopy(a, 0, all, o, a.length);
            o += a.length;
        }
        pendingText.clear();
        if (n > 0) segments.add(new PromptSegment.Text(all));
    }
}
