package dev.loupe.engine.task.grammar;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Whether structured answers are generated under their format's grammar ({@code --constrain},
 * {@code spark.loupe.constrain}).
 */
public enum ConstrainMode {
    /** Every structured task with a grammar for its family is constrained: its answers always parse. */
    ON("on"),
    /** Nothing is constrained: answers are what the model writes. */
    OFF("off"),
    /**
     * Constrained where it cannot change an answer that would parse: greedy decoding (the mask
     * leaves every allowed token's logit as it was, so the argmax stays the argmax whenever it is
     * allowed) of a grammar that holds every well-formed answer of its family
     * ({@link AnswerGrammar#keepsWellFormedAnswers()}). Sampling is left alone: renormalising over
     * the allowed tokens changes which token a draw lands on.
     */
    AUTO("auto");

    public final String id;

    ConstrainMode(String id) {
        this.id = id;
    }

    /** Whether answers of {@code grammar} are constrained, decoding greedily or not. */
    public boolean applies(AnswerGrammar grammar, boolean greedy) {
        if (grammar == null) return false;
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> greedy && grammar.keepsWellFormedAnswers();
        };
    }

    /** on, off or auto (any case); null or blank means auto. */
    public static ConstrainMode parse(String name) {
        if (name == null || name.isBlank()) return AUTO;
        String key = name.strip().toLowerCase(Locale.ROOT);
        for (ConstrainMode m : values()) if (m.id.equals(key)) return m;
        throw new IllegalArgumentException("constrain must be " + Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", "))
                + ", got '" + name + "'");
    }
}
