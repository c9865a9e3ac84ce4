package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.Sampler;
import dev.loupe.engine.text.TokenDecoder;
import dev.loupe.engine.text.Vocabulary;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one prompt through a text decoder: each segment is one decoder call (mtmd's
 * chunking), then tokens are sampled one at a time until an end-of-generation token or the
 * token limit.
 */
public final class Generator {
    private final TextDecoder decoder;
    private final BpeTokenizer tokenizer;

    public Generator(TextDecoder decoder, BpeTokenizer tokenizer) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
    }

    /** Evaluates the prompt into {@code cache}; returns the logits of its last position. */
    public float[] prefill(List<PromptSegment> prompt, KvCache cache) {
        int e = decoder.embeddingLength();
        float[] logits = null;
        for (PromptSegment s : prompt) {
            float[] input;
            if (s instanceof PromptSegment.Text t) {
                input = new float[t.tokens().length * e];
                decoder.embed(t.tokens(), 0, t.tokens().length, input, 0);
            } else {
                PromptSegment.Embeddings m = (PromptSegment.Embeddings) s;
                if (m.width() != e) {
                    throw new IllegalStateException("image embeddings are " + m.width() + " wide, the text model expects " + e
                            + ": the mmproj does not belong to this model");
                }
                input = m.rows();
            }
            if (s.length() > 0) logits = decoder.forward(input, s.length(), cache, false);
        }
        if (logits == null) throw new IllegalArgumentException("empty prompt");
        return logits;
    }

    public Generation generate(List<PromptSegment> prompt, GenerationSettings settings) {
        int promptLength = prompt.stream().mapToInt(PromptSegment::length).sum();
        int limit = decoder.contextLength();
        if (promptLength + 1 > limit) {
            throw new IllegalArgumentException("prompt of " + promptLength + " positions does not fit the model's context of " + limit);
        }
        int maxNew = Math.min(settings.maxTokens(), limit - promptLength);
        KvCache cache = decoder.newCache(promptLength + maxNew);
        float[] promptLogits = prefill(prompt, cache);

        Vocabulary vocab = tokenizer.vocabulary();
        Sampler sampler = new Sampler(settings);
        for (PromptSegment s : prompt) {
            if (s instanceof PromptSegment.Text t) for (int id : t.tokens()) sampler.accept(id);
        }
        TokenDecoder text = tokenizer.decoder(false);
        StringBuilder out = new StringBuilder();
        int[] generated = new int[maxNew];
        int count = 0;
        String finish = "length";
        float[] logits = promptLogits.clone();
        float[] embedding = new float[decoder.embeddingLength()];
        while (count < maxNew) {
            int next = sampler.sample(logits, 0, decoder.vocabularySize());
            generated[count++] = next;
            if (vocab.isEog(next)) {
                finish = "stop";
                break;
            }
            sampler.accept(next);
            out.append(text.accept(next));
            if (count == maxNew) break;
            decoder.embed(new int[] {next}, 0, 1, embedding, 0);
            logits = decoder.forward(embedding, 1, cache, false);
        }
        out.append(text.finish());
        return new Generation(out.toString(), Arrays.copyOf(generated, count), promptLength, finish, promptLogits);
    }
}
