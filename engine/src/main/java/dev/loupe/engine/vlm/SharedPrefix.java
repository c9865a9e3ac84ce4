package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import java.util.Arrays;
import java.util.List;

/**
 * The leading prompt segments that several prompts about one image have in common — the chat
 * template's start and the image's embeddings, in every family the task's text comes after the
 * image — evaluated once into a KV cache. Each prompt then goes on from a {@linkplain KvCache#fork
 * fork} of that cache with its own segments, as an ordinary sequence.
 *
 * <p>Why this gives each prompt exactly the answer it gets alone: a prompt is evaluated one
 * segment per decoder call (mtmd's chunks, {@link Generator#prefill}), and the prefix is cut at a
 * segment boundary, so every call sees the same rows and the same cells as it would in a prefill
 * of the whole prompt; the fork holds the same bits the prefill left.
 *
 * <p>Its cache is only read once evaluated ({@link #fork}), so sequences of any thread may go on from it.
 */
public final class SharedPrefix {
    private final List<PromptSegment> segments;
    private final KvCache cache;
    private final float[] logits;
    private final double seconds;
    private final int sharers;

    SharedPrefix(List<PromptSegment> segments, KvCache cache, float[] logits, double seconds, int sharers) {
        this.segments = List.copyOf(segments);
        this.cache = cache;
        this.logits = logits;
        this.seconds = seconds;
        this.sharers = sharers;
    }

    /**
     * How many leading segments all of {@code prompts} share (equal tokens; the same image
     * embeddings): where a shared prefill may stop. 0 when they share none.
     */
    public static int commonSegments(List<List<PromptSegment>> prompts) {
        if (prompts.isEmpty()) return 0;
        List<PromptSegment> first = prompts.getFirst();
        int n = first.size();
        for (List<PromptSegment> p : prompts) {
            int k = 0;
            while (k < Math.min(n, p.size()) && same(first.get(k), p.get(k))) k++;
            n = k;
        }
        return n;
    }

    private static boolean same(PromptSegment a, PromptSegment b) {
        if (a == b) return true;
        if (a instanceof PromptSegment.Text x && b instanceof PromptSegment.Text y) return Arrays.equals(x.tokens(), y.tokens());
        if (a instanceof PromptSegment.Embeddings x && b instanceof PromptSegment.Embeddings y) {
            return x.count() == y.count() && x.width() == y.width() && x.gridX() == y.gridX() && x.gridY() == y.gridY()
                    && (x.rows() == y.rows() || Arrays.equals(x.rows(), y.rows()));
        }
        return false;
    }

    /** The prefix's segments: the first {@code segments().size()} of every prompt that goes on from it. */
    public List<PromptSegment> segments() {
        return segments;
    }

    /** Positions the prefix takes. */
    public int length() {
        return cache.length();
    }

    /** Whether {@code prompt} begins with this prefix's segments (it may go on from it). */
    boolean begins(List<PromptSegment> prompt) {
        if (prompt.size() < segments.size()) return false;
        for (int i = 0; i < segments.size(); i++) if (!same(segments.get(i), prompt.get(i))) return false;
        return true;
    }

    /** A cache holding the prefix, with room for {@code capacity} positions, for one sequence to go on in. */
    KvCache fork(int capacity) {
        return cache.fork(capacity);
    }

    /** Bytes its KV cache holds (what keeping it alive costs, for the scheduler's KV budget). */
    long cacheBytes() {
        return cache.bytes();
    }

    /** The logits of the prefix's last position (a copy: callers may modify it). */
    float[] logits() {
        return logits.clone();
    }

    /**
     * Each sharer's part of the prefill's seconds: the prefix is evaluated once for all of them, and
     * rows summed over (the job's stage totals) then count it once.
     */
    double secondsShare() {
        return seconds / sharers;
    }
}
