package dev.loupe.engine.vlm;

import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.text.Sampler;
import dev.loupe.engine.text.TokenDecoder;
import dev.loupe.engine.text.Vocabulary;
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
    private int count;
    private int lastToken = -1;
    private String finish;
    private double prefillSeconds;
    private double decodeSeconds;

    Sequence(KvCache cache, Sampler sampler, TokenDecoder text, Vocabulary vocab, int promptLength, int maxNew, float[] promptLogits) {
        this.cache = cache;
        this.sampler = sampler;
        this.text = text;
        this.vocab = vocab;
        this.promptLength = promptLength;
        this.maxNew = maxNew;
        this.promptLogits = promptLogits;
        this.generated = new int[maxNew];
        if (maxNew == 0) finish = "length";
    }

    /**
     * Picks the next token from this sequence's logits (they may be modified). Returns true
     * when the sequence is finished: an end-of-generation token, or the token limit.
     */
    public boolean accept(float[] logits, int offset, int vocabularySize) {
        if (finish != null) throw new IllegalStateException("sequence already finished");
        int next = sampler.sample(logits, offset, vocabularySize);
        generated[count++] = next;
        lastToken = next;
        if (vocab.isEog(next)) {
            finish = "stop";
            return true;
        }
        sampler.accept(next);
        out.append(text.accept(next));
        if (count == maxNew) finish = "length";
        return finish != null;
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
        return new Generation(out + rest, Arrays.copyOf(generated, count), promptLength, finish, promptLogits,
                prefillSeconds, decodeSeconds);
    }
}
