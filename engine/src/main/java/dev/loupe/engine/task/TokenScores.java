package dev.loupe.engine.task;

/**
 * Confidence from the log-probabilities of the tokens that wrote an answer (issue 15): for the
 * whole answer, its tokens' mean and least log-probability; for a span of it (a box, a point),
 * the geometric mean of its tokens' probabilities, exp(mean log-probability), in 0..1. Spans are
 * character ranges of the answer text; a token covers the characters its decoding added.
 */
public final class TokenScores {
    /** Scores for answers whose tokens' log-probabilities are not known: every score null. */
    public static final TokenScores NONE = new TokenScores(new float[0], new int[0], 0);

    private final float[] logprobs;
    private final int[] textEnds;
    private final int answerTokens;

    /**
     * @param logprobs     each generated token's log-probability
     * @param textEnds     for each token, the answer text's length once it was decoded
     * @param answerTokens how many of the tokens wrote the answer (an end-of-generation token after them is not part of it)
     */
    public TokenScores(float[] logprobs, int[] textEnds, int answerTokens) {
        if (logprobs.length != textEnds.length || answerTokens > logprobs.length) {
            throw new IllegalArgumentException(logprobs.length + " log-probabilities, " + textEnds.length + " text ends, " + answerTokens + " answer tokens");
        }
        this.logprobs = logprobs;
        this.textEnds = textEnds;
        this.answerTokens = answerTokens;
    }

    /** The mean log-probability of the answer's tokens, or null when none is known. */
    public Float meanLogprob() {
        if (answerTokens == 0) return null;
        double sum = 0;
        for (int i = 0; i < answerTokens; i++) sum += logprobs[i];
        return (float) (sum / answerTokens);
    }

    /** The least log-probability among the answer's tokens (its least sure step), or null. */
    public Float minLogprob() {
        if (answerTokens == 0) return null;
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < answerTokens; i++) min = Math.min(min, logprobs[i]);
        return min;
    }

    /** exp(mean log-probability) of the tokens that wrote characters {@code [start, end)}, or null when none did. */
    public Float span(int start, int end) {
        double sum = 0;
        int n = 0;
        int from = 0;
        for (int i = 0; i < answerTokens; i++) {
            int to = textEnds[i];
            if (to > from && from < end && to > start) {
                sum += logprobs[i];
                n++;
            }
            from = Math.max(from, to);
        }
        return n == 0 ? null : (float) Math.exp(sum / n);
    }
}
