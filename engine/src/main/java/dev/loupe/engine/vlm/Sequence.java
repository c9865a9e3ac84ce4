package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.text.Sampler;
import dev.loupe.engine.text.TokenDecoder;
import dev.loupe.engine.text.Vocabulary;
import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.task.grammar.AnswerConstraint;
import java.util.Arrays;

/**
 * One sequence being generated: its KV cache, sampler and text so far. The generator (one
 * sequence) and the batch scheduler (many, stepping together) drive it the same way: give it
 * the logits of its last position, it picks the next token and says whether it is done.
 */
public final class Sequence {
    private final KvCache cache;
    private final Sampler sampler;
    private final TokenDecoder text;
    private final Vocabulary vocab;
    private final int promptLength;
    private final int maxNew;
    private final float[] promptLogits;
    private final StringBuilder out = new StringBuilder();
    private final int[] generated;
    private final float[] logprobs;
    private final int[] textEnds;
    private int count;
    private int lastToken = -1;
    private String finish;
    private double prefillSeconds;
    private double decodeSeconds;
    /** The grammar the answer is kept in (constrained decoding), or null. */
    private AnswerConstraint constraint;

    Sequence(KvCache cache, Sampler sampler, TokenDecoder text, Vocabulary vocab, int promptLength, int maxNew, float[] promptLogits) {
        this.cache = cache;
        this.sampler = sampler;
        this.text = text;
        this.vocab = vocab;
        this.promptLength = promptLength;
        this.maxNew = maxNew;
        this.promptLogits = promptLogits;
        this.generated = new int[maxNew];
        this.logprobs = new float[maxNew];
        this.textEnds = new int[maxNew];
        if (maxNew == 0) finish = "length";
    }

    /**
     * Keeps the answer in a grammar from its first token on: each step's logits are masked to
     * the tokens the grammar allows there, and the sequence stops ("grammar") once the answer is
     * whole and nothing may follow.
     */
    void constrain(AnswerConstraint c) {
        if (count > 0) throw new IllegalStateException("a sequence is constrained before its first token");
        constraint = c;
    }

    /**
     * Picks the next token from this sequence's logits (they may be modified). Returns true
     * when the sequence is finished: an end-of-generation token, the token limit, or (constrained)
     * a whole answer of its grammar.
     */
    public boolean accept(float[] logits, int offset, int vocabularySize) {
        if (finish != null) throw new IllegalStateException("sequence already finished");
        // The token's log-probability from the logits as the model gives them: the sampler may
        // change them (penalties, sorting), so its normaliser and every raw logit are read first.
        double logNorm = VectorMath.logSumExp(logits, offset, vocabularySize);
        // Only a sampler that changes the logits needs them copied first (greedy decoding, the default, reads them only).
        float[] raw = sampler.modifiesLogits() ? rawRow(logits, offset, vocabularySize) : null;
        // The mask leaves allowed tokens' logits as they are, so the log-probability stays the model's own.
        if (constraint != null) constraint.mask(logits, offset, vocabularySize, maxNew - count);
        int next = sampler.sample(logits, offset, vocabularySize);
        if (constraint != null) constraint.accept(next, vocab.isEog(next));
        logprobs[count] = (float) ((raw != null ? raw[next] : logits[offset + next]) - logNorm);
        generated[count++] = next;
        lastToken = next;
        if (vocab.isEog(next)) {
            textEnds[count - 1] = out.length();
            finish = "stop";
            return true;
        }
        sampler.accept(next);
        out.append(text.accept(next));
        textEnds[count - 1] = out.length();
        if (constraint != null && constraint.complete()) finish = "grammar";
        else if (count == maxNew) finish = "length";
        return finish != null;
    }

    private float[] rawLogits;

    /** The row of logits as given, in a buffer of this sequence's (the sampler may modify the caller's). */
    private float[] rawRow(float[] logits, int offset, int n) {
        if (rawLogits == null || rawLogits.length != n) rawLogits = new float[n];
        System.arraycopy(logits, offset, rawLogits, 0, n);
        return rawLogits;
    }

    public boolean finished() {
        return finish != null;
    }

    /** The token to feed at the next decode step. */
    public int lastToken() {
        return lastToken;
    }

    public KvCache cache() {
        return cache;
    }

    void prefillTook(double seconds) {
        prefillSeconds += seconds;
    }

    /** This sequence's share of a decode step. */
    void decodeTook(double seconds) {
        decodeSeconds += seconds;
    }

    public Generation result() {
        if (finish == null) throw new IllegalStateException("sequence not finished");
        String rest = text.finish();
        int[] ends = Arrays.copyOf(textEnds, count);
        // Bytes the decoder held back until the end (an unfinished character) belong to the last token that made text.
        for (int i = count - 1; i >= 0 && !rest.isEmpty(); i--) {
            ends[i] += rest.length();
            if (!vocab.isEog(generated[i])) break;
        }
        return new Generation(out + rest, Arrays.copyOf(generated, count), promptLength, finish, promptLogits,
                prefillSeconds, decodeSeconds, Arrays.copyOf(logprobs, count), ends);
    }
}
