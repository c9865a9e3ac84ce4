package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.task.grammar.AnswerConstraint;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.task.grammar.TokenAutomaton;
import dev.loupe.engine.task.grammar.TokenPieces;
import dev.loupe.engine.text.Sampler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one prompt through a text decoder: each segment is one decoder call (mtmd's
 * chunking), then tokens are sampled one at a time until an end-of-generation token or the
 * token limit.
 */
public final class Generator {
    private final TextDecoder decoder;
    private final BpeTokenizer tokenizer;
    /** Grammars lifted to this model's vocabulary, each made on first use (constrained decoding). */
    private final Map<AnswerGrammar, TokenAutomaton> automata = new ConcurrentHashMap<>();
    private volatile TokenPieces pieces;

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
        return start(prompt, settings, hidden, null);
    }

    /**
     * As {@link #start(List, GenerationSettings, ImageHiddenStates)}, the answer kept in
     * {@code grammar} (null: none) when the settings' {@link GenerationSettings#constrain() mode}
     * constrains it and a whole answer of the grammar fits in the tokens allowed (when none fits,
     * constraining could not make the answer parse, and it is left as the model writes it).
     */
    public Sequence start(List<PromptSegment> prompt, GenerationSettings settings, ImageHiddenStates hidden, AnswerGrammar grammar) {
        int promptLength = promptLength(prompt);
        long t0 = System.nanoTime();
        int maxNew = maxNew(promptLength, settings);
        KvCache cache = decoder.newCache(promptLength + maxNew);
        float[] promptLogits = prefill(prompt, cache, hidden);
        Sequence seq = sequence(prompt, settings, grammar, cache, promptLength, maxNew, promptLogits);
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

    /** The bytes of the KV cache {@link #prefillShared} allocates for these segments. */
    public long sharedCacheBytes(List<PromptSegment> segments) {
        return decoder.cacheBytes(promptLength(segments));
    }

    /**
     * As {@link #start(List, GenerationSettings)} for a prompt that begins with {@code shared}'s
     * segments: only the rest is evaluated, in a fork of the shared cache. The sequence is the
     * one {@code start} gives (see {@link SharedPrefix}); its prefill time includes its share of the prefix's.
     */
    public Sequence startAfter(SharedPrefix shared, List<PromptSegment> prompt, GenerationSettings settings) {
        return startAfter(shared, prompt, settings, null);
    }

    /** As {@link #startAfter(SharedPrefix, List, GenerationSettings)}, the answer kept in {@code grammar} as {@link #start} says. */
    public Sequence startAfter(SharedPrefix shared, List<PromptSegment> prompt, GenerationSettings settings, AnswerGrammar grammar) {
        if (!shared.begins(prompt)) throw new IllegalArgumentException("the prompt does not begin with the shared prefix's segments");
        int promptLength = promptLength(prompt);
        long t0 = System.nanoTime();
        int maxNew = maxNew(promptLength, settings);
        KvCache cache = shared.fork(promptLength + maxNew);
        float[] promptLogits = prefillRest(prompt, shared, cache);
        Sequence seq = sequence(prompt, settings, grammar, cache, promptLength, maxNew, promptLogits);
        seq.prefillTook((System.nanoTime() - t0) / 1e9 + shared.secondsShare());
        return seq;
    }

    /** Evaluates the segments of {@code prompt} after {@code shared}'s into {@code cache} (a fork of it); the last position's logits. */
    float[] prefillRest(List<PromptSegment> prompt, SharedPrefix shared, KvCache cache) {
        List<PromptSegment> rest = prompt.subList(shared.segments().size(), prompt.size());
        boolean more = rest.stream().anyMatch(s -> s.length() > 0);
        return more ? prefill(rest, cache) : shared.logits();
    }

    /** The sequence after an evaluated prompt (its answer kept in {@code grammar} where the settings say), its first token picked. */
    private Sequence sequence(List<PromptSegment> prompt, GenerationSettings settings, AnswerGrammar grammar, KvCache cache, int promptLength,
                              int maxNew, float[] promptLogits) {
        Sampler sampler = new Sampler(settings);
        for (PromptSegment s : prompt) {
            if (s instanceof PromptSegment.Text t) for (int id : t.tokens()) sampler.accept(id);
        }
        Sequence seq = new Sequence(cache, sampler, tokenizer.decoder(false), tokenizer.vocabulary(), promptLength, maxNew, promptLogits);
        if (settings.constrain().applies(grammar, settings.greedy())) {
            AnswerConstraint constraint = new AnswerConstraint(automaton(grammar));
            if (constraint.fits(maxNew)) seq.constrain(constraint);
        }
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
        return generate(prompt, settings, hidden, null);
    }

    /** As {@link #generate(List, GenerationSettings, ImageHiddenStates)}, the answer kept in {@code grammar} as {@link #start} says. */
    public Generation generate(List<PromptSegment> prompt, GenerationSettings settings, ImageHiddenStates hidden, AnswerGrammar grammar) {
        return finish(start(prompt, settings, hidden, grammar));
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

    /**
     * {@code grammar} over this model's tokens, worked out on first use (every state of the
     * grammar against every token; about a second for a 150k-token vocabulary) and kept.
     */
    public TokenAutomaton automaton(AnswerGrammar grammar) {
        return automata.computeIfAbsent(grammar, g -> TokenAutomaton.of(g.dfa(), tokenPieces()));
    }

    /** The bytes each token adds to an answer (control tokens none), and the end-of-generation ids. */
    private TokenPieces tokenPieces() {
        TokenPieces p = pieces;
        if (p == null) {
            int n = tokenizer.vocabulary().size();
            byte[][] bytes = new byte[n][];
            for (int id = 0; id < n; id++) bytes[id] = tokenizer.piece(id, false);
            pieces = p = new TokenPieces(bytes, tokenizer.vocabulary().eogIds());
        }
        return p;
    }
}
