package dev.loupe.engine.vlm;

/**
 * The outcome of generating from one prompt.
 *
 * @param text            generated text, special tokens not rendered
 * @param tokens          generated token ids (the end-of-generation token included when hit)
 * @param promptTokens    positions the prompt occupied (image embeddings included)
 * @param finishReason    "stop" when an end-of-generation token was produced, else "length"
 * @param promptLogits    logits after the prompt (kept for evaluation and parity checks)
 * @param prefillSeconds  seconds evaluating the prompt and picking the first token
 * @param decodeSeconds   seconds of the decode steps; a step shared by several sequences is
 *                        shared out evenly, so the sequences of a batch add up to its time
 */
public record Generation(String text, int[] tokens, int promptTokens, String finishReason, float[] promptLogits,
                         double prefillSeconds, double decodeSeconds) {}
