package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.TokenScores;

/**
 * The outcome of generating from one prompt.
 *
 * @param text            generated text, special tokens not rendered
 * @param tokens          generated token ids (the end-of-generation token included when hit)
 * @param promptTokens    positions the prompt occupied (image embeddings included)
 * @param finishReason    "stop" when an end-of-generation token was produced, "grammar" when constrained
 *                        decoding stopped at a whole answer of its grammar, else "length"
 * @param promptLogits    logits after the prompt (kept for evaluation and parity checks)
 * @param prefillSeconds  seconds evaluating the prompt and picking the first token
 * @param decodeSeconds   seconds of the decode steps; a step shared by several sequences is
 *                        shared out evenly, so the sequences of a batch add up to its time
 * @param logprobs        each generated token's log-probability under the model (natural log,
 *                        from the logits before any penalty, temperature or truncation), or null
 *                        when not known
 * @param textEnds        for each generated token, the length of {@code text} once it was
 *                        decoded (a token completing a character its predecessor began
 *                        carries it), or null: maps spans of the text back to tokens
 */
public record Generation(String text, int[] tokens, int promptTokens, String finishReason, float[] promptLogits,
                         double prefillSeconds, double decodeSeconds, float[] logprobs, int[] textEnds) {

    /** A generation without per-token log-probabilities (made by hand, in tests). */
    public Generation(String text, int[] tokens, int promptTokens, String finishReason, float[] promptLogits,
                      double prefillSeconds, double decodeSeconds) {
        this(text, tokens, promptTokens, finishReason, promptLogits, prefillSeconds, decodeSeconds, null, null);
    }

    /** The answer's token scores: every generated token but a closing end-of-generation one. */
    public TokenScores scores() {
        if (logprobs == null) return TokenScores.NONE;
        int answer = tokens.length - ("stop".equals(finishReason) && tokens.length > 0 ? 1 : 0);
        return new TokenScores(logprobs, textEnds, answer);
    }

    /** The answer's confidence, or null when its log-probabilities are unknown. */
    public Annotation.Confidence confidence() {
        TokenScores s = scores();
        return logprobs == null ? null : new Annotation.Confidence(s.meanLogprob(), s.minLogprob());
    }
}
