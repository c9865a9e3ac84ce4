package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.Sampler;
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
        return prefill(prompt, cache, null);
    }

    /**
     * As {@link #prefill(List, KvCache)}, keeping in {@code hidden} (when not null) the final-norm
     * hidden states of the image's positions and of the position before it.
     */
    public float[] prefill(List<PromptSegment> prompt, KvCache cache, ImageHiddenStates hidden) {
        int e = decoder.embeddingLength();
        float[] logits = null;
        float[] lastTextHidden = null;
        for (PromptSegment s : prompt) {
            float[] input;
            if (s instanceof PromptSegment.Text t) {
                input = new float[t.tokens().length * e];
                decoder.embed(t.tokens(), 0, t.tokens().length, input, 0);
            } else {
                PromptSegment.Embeddings m = (PromptSegment.Embeddings) s;
                int expected = m.gridX() > 0 ? decoder.imageEmbeddingLength() : e;
                if (m.width() != expected) {
                    throw new IllegalStateException("image embeddings are " + m.width() + " wide, the text model expects " + expected
                            + ": the mmproj does not belong to this model");
                }
                if (hidden != null && m.gridX() > 0) {
                    float[] imageHidden = new float[m.count() * e];
                    logits = decoder.forwardKeepingHidden(m.rows(), m.count(), cache, imageHidden);
                    hidden.fill(lastTextHidden, imageHidden, m.gridX(), m.gridY(), e);
                    continue;
                }
                if (m.gridX() > 0) {
                    decoder.forwardImage(m.rows(), m.gridX(), m.gridY(), cache);
                    continue;
                }
                input = m.rows();
            }
            if (s.length() == 0) continue;
            if (hidden != null && !hidden.filled() && s instanceof PromptSegment.Text) {
                float[] textHidden = new float[s.length() * e];
                logits = decoder.forwardKeepingHidden(input, s.length(), cache, textHidden);
                lastTextHidden = java.util.Arrays.copyOfRange(textHidden, (s.length() - 1) * e, s.length() * e);
            } else {
                logits = decoder.forward(input, s.length(), cache, false);
            }
        }
        if (logits == null) throw new IllegalArgumentException("empty prompt");
        if (hidden != null && !hidden.filled()) throw new IllegalArgumentException("no image in the prompt to keep hidden states of");
        return logits;
    }

    /**
     * Evaluates the prompt and picks the first token: the returned sequence is ready for
     * decode steps (or already finished).
     */
    public Sequence start(List<PromptSegment> prompt, GenerationSettings settings) {
        return start(prompt, settings, null);
    }

    /** As {@link #start(List, GenerationSettings)}, keeping the image's hidden states in {@code hidden} when not null. */
    public Sequence start(List<PromptSegment> prompt, GenerationSettings settings, ImageHiddenStates hidden) {
        int promptLength = promptLength(prompt);
        long t0 = System.nanoTime();
        int maxNew = maxNew(promptLength, settings);
        KvCache cache = decoder.newCache(promptLength + maxNew);
        float[] promptLogits = prefill(prompt, cache, hidden);
        Sequence seq = sequence(prompt, settings, cache, promptLength, maxNew, promptLogits);
        seq.prefillTook((System.nanoTime() - t0) / 1e9);
        return seq;
    }

    /**
     * Evaluates the segments several prompts about one image begin with (see
     * {@link SharedPrefix#commonSegments}) once, for {@code sharers} prompts to go on from.
     */
    public SharedPrefix prefillShared(List<PromptSegment> segments, int sharers) {
        int length = promptLength(segments);
        long t0 = System.nanoTime();
        KvCache cache = decoder.newCache(length);
        float[] logits = prefill(segments, cache);
        return new SharedPrefix(segments, cache, logits, (System.nanoTime() - t0) / 1e9, sharers);
    }

    /**
     * As {@link #start(List, GenerationSettings)} for a prompt that begins with {@code shared}'s
     * segments: only the rest is evaluated, in a fork of the shared cache. The sequence is the
     * one {@code start} gives (see {@link SharedPrefix}); its prefill time includes its share of the prefix's.
     */
    public Sequence startAfter(SharedPrefix shared, List<PromptSegment> prompt, GenerationSettings settings) {
        if (!shared.begins(prompt)) throw new IllegalArgumentException("the prompt does not begin with the shared prefix's segments");
        int promptLength = promptLength(prompt);
        long t0 = System.nanoTime();
        int maxNew = maxNew(promptLength, settings);
        KvCache cache = shared.fork(promptLength + maxNew);
        float[] promptLogits = prefillRest(prompt, shared, cache);
        Sequence seq = sequence(prompt, settings, cache, promptLength, maxNew, promptLogits);
        seq.prefillTook((System.nanoTime() - t0) / 1e9 + shared.secondsShare());
        return seq;
    }

    /** Evaluates the segments of {@code prompt} after {@code shared}'s into {@code cache} (a fork of it); the last position's logits. */
    float[] prefillRest(List<PromptSegment> prompt, SharedPrefix shared, KvCache cache) {
        List<PromptSegment> rest = prompt.subList(shared.segments().size(), prompt.size());
        boolean more = rest.stream().anyMatch(s -> s.length() > 0);
        return more ? prefill(rest, cache) : shared.logits();
    }

    /** The sequence after an evaluated prompt, its first token picked. */
    private Sequence sequence(List<PromptSegment> prompt, GenerationSettings settings, KvCache cache, int promptLength, int maxNew,
                              float[] promptLogits) {
        Sampler sampler = new Sampler(settings);
        for (PromptSegment s : prompt) {
            if (s instanceof PromptSegment.Text t) for (int id : t.tokens()) sampler.accept(id);
        }
        Sequence seq = new Sequence(cache, sampler, tokenizer.decoder(false), tokenizer.vocabulary(), promptLength, maxNew, promptLogits);
        if (!seq.finished()) seq.accept(promptLogits.clone(), 0, decoder.vocabularySize());
        return seq;
    }

    /** The bytes of the KV cache {@link #start} allocates for this prompt: prompt and every new token. */
    public long cacheBytes(List<PromptSegment> prompt, GenerationSettings settings) {
        int promptLength = promptLength(prompt);
        return decoder.cacheBytes(promptLength + maxNew(promptLength, settings));
    }

    /** The prompt's positions; a prompt that leaves no room for a token in the context is refused. */
    private int promptLength(List<PromptSegment> prompt) {
        int promptLength = prompt.stream().mapToInt(PromptSegment::length).sum();
        int limit = decoder.contextLength();
        if (promptLength + 1 > limit) {
            throw new IllegalArgumentException("prompt of " + promptLength + " positions does not fit the model's context of " + limit);
        }
        return promptLength;
    }

    private int maxNew(int promptLength, GenerationSettings settings) {
        return Math.min(settings.maxTokens(), decoder.contextLength() - promptLength);
    }

    /** Generates one sequence to the end, one decode step at a time. */
    public Generation generate(List<PromptSegment> prompt, GenerationSettings settings) {
        return generate(prompt, settings, null);
    }

    /** As {@link #generate(List, GenerationSettings)}, keeping the image's hidden states in {@code hidden} when not null. */
    public Generation generate(List<PromptSegment> prompt, GenerationSettings settings, ImageHiddenStates hidden) {
        return finish(start(prompt, settings, hidden));
    }

    /** Runs a started sequence's decode steps, one at a time, to its end. */
    public Generation finish(Sequence seq) {
        float[] embedding = new float[decoder.embeddingLength()];
        while (!seq.finished()) {
            long t0 = System.nanoTime();
            decoder.embed(new int[] {seq.lastToken()}, 0, 1, embedding, 0);
            seq.accept(decoder.forward(embedding, 1, seq.cache(), false), 0, decoder.vocabularySize());
            seq.decodeTook((System.nanoTime() - t0) / 1e9);
        }
        return seq.result();
    }

    /**
     * One decode step for all of {@code sequences} (none finished) with a single batched pass
     * of the decoder; each sequence then picks its next token.
     */
    public void step(List<Sequence> sequences) {
        long t0 = System.nanoTime();
        int n = sequences.size(), e = decoder.embeddingLength(), v = decoder.vocabularySize();
        float[] input = new float[n * e];
        KvCache[] caches = new KvCache[n];
        int[] token = new int[1];
        for (int i = 0; i < n; i++) {
            token[0] = sequences.get(i).lastToken();
            decoder.embed(token, 0, 1, input, i * e);
            caches[i] = sequences.get(i).cache();
        }
        float[] logits = decoder.decodeBatch(input, caches);
        for (int i = 0; i < n; i++) sequences.get(i).accept(logits, i * v, v);
        double share = (System.nanoTime() - t0) / 1e9 / n;
        for (Sequence s : sequences) s.decodeTook(share);
    }

    public TextDecoder decoder() {
        return decoder;
    }
}
