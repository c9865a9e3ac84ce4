package dev.loupe.engine.vlm;

import dev.loupe.engine.task.grammar.ConstrainMode;

/**
 * How text is generated. Greedy by default (temperature 0), so that a retried Spark task
 * writes the same rows; with sampling, {@code seed} makes a row's output reproducible.
 *
 * @param maxTokens     upper bound on generated tokens
 * @param temperature   0 means greedy (argmax, ties to the lowest id)
 * @param topK          keep the k most likely tokens (0 = off)
 * @param topP          nucleus sampling threshold (1 = off)
 * @param minP          drop tokens below minP x the top probability (0 = off)
 * @param repeatPenalty llama.cpp-style repetition penalty over the last {@code repeatLastN} tokens (1 = off)
 * @param repeatLastN   window of the repetition penalty
 * @param seed          sampling seed
 * @param constrain     whether structured tasks' answers are kept in their format's grammar (null: auto)
 */
public record GenerationSettings(int maxTokens, float temperature, int topK, float topP, float minP,
                                 float repeatPenalty, int repeatLastN, long seed, ConstrainMode constrain) {

    public static final GenerationSettings GREEDY = new GenerationSettings(128, 0f, 0, 1f, 0f, 1f, 64, 0L);

    /** Settings under which structured answers are constrained where that cannot change a well-formed one ({@link ConstrainMode#AUTO}). */
    public GenerationSettings(int maxTokens, float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed) {
        this(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, ConstrainMode.AUTO);
    }

    public GenerationSettings {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topP <= 0 || topP > 1) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (minP < 0 || minP >= 1) throw new IllegalArgumentException("minP must be in [0, 1), got " + minP);
        if (repeatPenalty <= 0) throw new IllegalArgumentException("repeatPenalty must be > 0, got " + repeatPenalty);
        if (constrain == null) constrain = ConstrainMode.AUTO;
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public GenerationSettings withMaxTokens(int n) {
        return new GenerationSettings(n, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, constrain);
    }

    public GenerationSettings withSeed(long s) {
        return new GenerationSettings(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, s, constrain);
    }

    public GenerationSettings withConstrain(ConstrainMode mode) {
        return new GenerationSettings(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, mode);
    }
}
