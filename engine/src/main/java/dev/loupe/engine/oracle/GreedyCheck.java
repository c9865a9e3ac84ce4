package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;

/**
 * Compares greedy continuations with llama.cpp's. A step counts while its recorded margin
 * (best minus runner-up logit) exceeds twice our logit error: below that, a different pick is
 * excusable, and the comparison stops there.
 */
final class GreedyCheck {
    private GreedyCheck() {}

    /** Returns null when every comparable step matched, else a description of the first mismatch. */
    static String run(TextDecoder decoder, KvCache cache, float[] lastLogits, JsonNode greedy, double logitError, int[] comparedSteps) {
        float[] logits = lastLogits;
        float[] embedding = new float[decoder.embeddingLength()];
        int compared = 0;
        for (JsonNode step : greedy) {
            if (step.get("margin").asDouble() <= 2 * logitError) break;
            int expected = step.get("id").asInt();
            int actual = VectorMath.argmax(logits, 0, decoder.vocabularySize());
            if (actual != expected) {
                comparedSteps[0] = compared;
                return "greedy step " + compared + ": token " + actual + ", llama.cpp " + expected + " (margin " + step.get("margin").asDouble() + ")";
            }
            compared++;
            decoder.embed(new int[] {actual}, 0, 1, embedding, 0);
            logits = decoder.forward(embedding, 1, cache, false);
        }
        comparedSteps[0] = compared;
        return null;
    }
}
