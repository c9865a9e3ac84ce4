package dev.loupe.engine.vlm;

import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.LabelDistribution;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The classify task: how likely the model finds each candidate label as its answer, by teacher
 * forcing. The prompt (template, image, question, the assistant turn's start) is evaluated once;
 * then each candidate's tokens go through the decoder in one short pass from that state, and
 * log p(token | everything before it) is read from the logits with a stable log-softmax. Between
 * candidates the KV cache is rolled back to the prompt's length: the decoders write a pass's
 * keys and values at the cells from {@link KvCache#length()} on and attend to cells below it only,
 * so the next candidate overwrites the last one's cells and never sees them (the RoPE position
 * offset an M-RoPE image left stays, as it belongs to the prompt).
 *
 * <p>A candidate is scored as the assistant's complete answer: the label as the chat template
 * writes it after the generation prompt (SmolVLM's with a leading space) and the token that
 * closes the turn. With that end-of-turn token "cat" means the answer "cat" and nothing more, so
 * "cat" and "cat food" are distinct answers (without it, "cat" would be a prefix of "cat food"
 * and always at least as likely), and the softmax over candidates is over disjoint answers.
 *
 * <p>Thread-safe: every call has its own cache.
 */
public final class LabelScorer {
    /** The finish reason of a classify annotation: its answer was chosen by likelihood, not generated. */
    public static final String FINISH_REASON = "scored";

    private final TextDecoder decoder;
    private final BpeTokenizer tokenizer;
    private final ChatFormat chat;

    public LabelScorer(TextDecoder decoder, BpeTokenizer tokenizer, ChatFormat chat) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.chat = chat;
    }

    /**
     * A candidate's tokens as the model would produce them after the generation prompt: the
     * template's lead and the label, tokenized as text (a label that spells a special token stays
     * text), then the end-of-turn token.
     */
    public int[] answerTokens(String label) {
        int[] text = tokenizer.encode(chat.answerLead() + label, false, false);
        int[] answer = Arrays.copyOf(text, text.length + 1);
        answer[text.length] = tokenizer.vocabulary().require(chat.endOfTurn());
        return answer;
    }

    /** The request's annotation: the most probable label as the text, every label with its probability, the best one's confidence. */
    public Annotation annotation(PreparedRequest r) {
        return annotation(r, null);
    }

    /**
     * As {@link #annotation(PreparedRequest)} for a request whose prompt begins with {@code shared}'s
     * segments (null: none shared): only the rest of the prompt is evaluated, in a fork of the shared
     * cache, and the candidates are scored from there — the same numbers, the prefix evaluated once
     * for all the tasks asked of one image.
     */
    public Annotation annotation(PreparedRequest r, SharedPrefix shared) {
        LabelCandidates candidates = r.request().labels();
        if (candidates == null) throw new IllegalArgumentException("task '" + r.task().id + "' has no candidate labels to score");
        List<int[]> answers = new ArrayList<>();
        for (String label : candidates.labels()) answers.add(answerTokens(label));
        long t0 = System.nanoTime();
        Prefix prefix = prefill(r.segments(), answers, shared);
        long t1 = System.nanoTime();
        double prefillSeconds = (t1 - t0) / 1e9 + (shared == null ? 0 : shared.secondsShare());
        List<LabelDistribution.Scored> scored = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) scored.add(new LabelDistribution.Scored(candidates.labels().get(i), teacherForce(prefix, answers.get(i))));
        long t2 = System.nanoTime();
        LabelDistribution d = LabelDistribution.of(scored, candidates.scoring());
        return new Annotation(r.task().id, r.prompt(), d.best(), null, null, null, null, r.imageWidth(), r.imageHeight(),
                prefix.length(), 0, FINISH_REASON, new Annotation.Stages(r.imagePositions(), r.encodeSeconds(), prefillSeconds, (t2 - t1) / 1e9),
                null, null, null, d.confidence(), d.labels());
    }

    /**
     * Each answer's per-token log-probabilities (natural log) after {@code prompt}: one prefill of
     * the prompt, one pass per answer from its state.
     */
    public float[][] score(List<PromptSegment> prompt, List<int[]> answers) {
        Prefix prefix = prefill(prompt, answers, null);
        float[][] out = new float[answers.size()][];
        for (int i = 0; i < out.length; i++) out[i] = teacherForce(prefix, answers.get(i));
        return out;
    }

    /**
     * The bytes of the KV cache {@link #annotation} takes while it scores the request's candidates
     * (the prompt and the longest candidate, sized as {@code prefill} sizes it, in a cache of its
     * own or a fork of a shared prefix alike): what a batch scheduler counts against its KV budget.
     */
    public long cacheBytes(PreparedRequest r) {
        LabelCandidates candidates = r.request().labels();
        if (candidates == null) throw new IllegalArgumentException("task '" + r.task().id + "' has no candidate labels to score");
        int longest = 1;
        for (String label : candidates.labels()) longest = Math.max(longest, answerTokens(label).length);
        int length = r.segments().stream().mapToInt(PromptSegment::length).sum();
        return decoder.cacheBytes(length + longest - 1);
    }

    /** The prompt evaluated into a cache with room for the longest answer after it. */
    private record Prefix(KvCache cache, float[] logits, int length) {}

    private Prefix prefill(List<PromptSegment> prompt, List<int[]> answers, SharedPrefix shared) {
        int length = prompt.stream().mapToInt(PromptSegment::length).sum();
        int longest = 0;
        for (int[] a : answers) {
            if (a.length == 0) throw new IllegalArgumentException("an answer to score has no tokens");
            longest = Math.max(longest, a.length);
        }
        // The last answer token is scored from the logits before it, so it needs no cell of its own.
        int cells = length + longest - 1;
        if (cells > decoder.contextLength()) {
            throw new IllegalArgumentException("prompt of " + length + " positions and a candidate of " + longest
                    + " tokens do not fit the model's context of " + decoder.contextLength());
        }
        Generator generator = new Generator(decoder, tokenizer);
        if (shared != null) {
            if (!shared.begins(prompt)) throw new IllegalArgumentException("the prompt does not begin with the shared prefix's segments");
            KvCache cache = shared.fork(cells);
            float[] logits = generator.prefillRest(prompt, shared, cache);
            return new Prefix(cache, logits, cache.length());
        }
        KvCache cache = decoder.newCache(cells);
        float[] logits = generator.prefill(prompt, cache);
        return new Prefix(cache, logits, cache.length());
    }

    /**
     * An answer's token log-probabilities from the prefix's state: the first from the prompt's
     * logits, the others from one pass over all but the last token; then the cache is rolled
     * back to the prompt.
     */
    private float[] teacherForce(Prefix prefix, int[] answer) {
        int v = decoder.vocabularySize(), n = answer.length;
        float[] logprobs = new float[n];
        logprobs[0] = logProbability(prefix.logits(), 0, v, answer[0]);
        if (n == 1) return logprobs;
        int e = decoder.embeddingLength();
        float[] input = new float[(n - 1) * e];
        decoder.embed(answer, 0, n - 1, input, 0);
        try {
            float[] logits = decoder.forward(input, n - 1, prefix.cache(), true);
            for (int i = 1; i < n; i++) logprobs[i] = logProbability(logits, (i - 1) * v, v, answer[i]);
        } finally {
            prefix.cache().setLength(prefix.length());
        }
        return logprobs;
    }

    /** log softmax(logits row)[token], the normaliser computed stably ({@link VectorMath#logSumExp}). */
    static float logProbability(float[] logits, int offset, int vocabularySize, int token) {
        return (float) (logits[offset + token] - VectorMath.logSumExp(logits, offset, vocabularySize));
    }
}
