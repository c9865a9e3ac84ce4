package dev.loupe.engine.task;

import java.util.Locale;

/**
 * How the classify task turns a candidate label's token log-probabilities into its score, before
 * the softmax over candidates.
 */
public enum LabelScoring {
    /**
     * The sum: the log-probability of the whole answer (the label and its end-of-turn token), so
     * the softmax over candidates is the model's probability of each answer renormalised over the
     * list. The default: it is a probability, and longer labels pay only for the tokens the
     * model finds unlikely.
     */
    SUM,
    /**
     * The mean per token: length-normalised, for lists whose labels differ much in length and
     * where a long label should not lose for its length alone. The softmax of means is a
     * normalised score, not the model's probability of the answer.
     */
    MEAN;

    public final String id = name().toLowerCase(Locale.ROOT);

    /** The score of one candidate from its tokens' log-probabilities (at least one). */
    public double score(float[] tokenLogprobs) {
        if (tokenLogprobs.length == 0) throw new IllegalArgumentException("a candidate label has at least one token");
        double sum = 0;
        for (float lp : tokenLogprobs) sum += lp;
        return this == SUM ? sum : sum / tokenLogprobs.length;
    }

    /** Parses {@code sum} or {@code mean} (either case); null means the default, sum. */
    public static LabelScoring parse(String name) {
        if (name == null || name.isBlank()) return SUM;
        for (LabelScoring s : values()) if (s.id.equals(name.strip().toLowerCase(Locale.ROOT))) return s;
        throw new IllegalArgumentException("label scoring must be sum or mean, got '" + name + "'");
    }
}
