package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.WholeSequence;
import java.util.List;

/**
 * The plain reference of an answer's log-probabilities: the prompt (image included) and the
 * answer's tokens evaluated in ONE decoder pass from an empty cache, no chunks, no shared prefix,
 * no cache rolled back; logits kept at every position and each answer token's log-softmax
 * computed here in double. Answer token t is scored by the row before it (the prompt's last row
 * for t = 0), so the last answer token needs no row of its own.
 */
final class FullSequenceForward {
    private FullSequenceForward() {}

    /** Each answer token's log-probability (natural log) after {@code prompt}. */
    static double[] logprobs(TextDecoder decoder, List<PromptSegment> prompt, int[] answer) {
        float[] logits = logits(decoder, prompt, answer);
        int v = decoder.vocabularySize();
        double[] out = new double[answer.length];
        for (int t = 0; t < answer.length; t++) {
            int row = t * v;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < v; i++) max = Math.max(max, logits[row + i]);
            for (int i = 0; i < v; i++) sum += Math.exp(logits[row + i] - max);
            out[t] = logits[row + answer[t]] - (max + Math.log(sum));
        }
        return out;
    }

    /** The logits that score each answer token, {@code answer.length} rows of the vocabulary's size. */
    static float[] logits(TextDecoder decoder, List<PromptSegment> prompt, int[] answer) {
        WholeSequence sequence = sequence(decoder, prompt, answer);
        int promptLength = prompt.stream().mapToInt(PromptSegment::length).sum();
        KvCache cache = decoder.newCache(sequence.length());
        float[] all = decoder.forwardWhole(sequence, cache);
        int v = decoder.vocabularySize();
        if (all.length != sequence.length() * v) throw new IllegalStateException("forwardWhole gave " + all.length + " logits for " + sequence.length() + " rows");
        return java.util.Arrays.copyOfRange(all, (promptLength - 1) * v, sequence.length() * v);
    }

    /** The prompt's rows and the answer's but its last token's, as one sequence. */
    static WholeSequence sequence(TextDecoder decoder, List<PromptSegment> prompt, int[] answer) {
        WholeSequence sequence = new WholeSequence();
        int e = decoder.embeddingLength();
        for (PromptSegment s : prompt) {
            if (s instanceof PromptSegment.Text t) {
                sequence.rows(embedded(decoder, t.tokens(), t.tokens().length), t.tokens().length, e);
            } else {
                PromptSegment.Embeddings m = (PromptSegment.Embeddings) s;
                if (m.gridX() > 0) sequence.image(m.rows(), m.gridX(), m.gridY(), m.width());
                else sequence.rows(m.rows(), m.count(), m.width());
            }
        }
        sequence.rows(embedded(decoder, answer, answer.length - 1), answer.length - 1, e);
        return sequence;
    }

    private static float[] embedded(TextDecoder decoder, int[] tokens, int count) {
        float[] rows = new float[count * decoder.embeddingLength()];
        decoder.embed(tokens, 0, count, rows, 0);
        return rows;
    }

    /**
     * The criterion of "equal within 1e-4 relative": |value - reference| <= 1e-4 * |reference|,
     * the full forward's log-probability being the reference.
     */
    static boolean withinRelative(double value, double reference, double relative) {
        return Math.abs(value - reference) <= relative * Math.abs(reference);
    }
}
