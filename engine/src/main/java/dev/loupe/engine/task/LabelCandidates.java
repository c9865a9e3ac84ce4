package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The labels a classify request chooses among, and how their likelihoods are scored. Labels are
 * stripped; blank ones are dropped and a repeated one kept once (a label listed twice would
 * split its probability in two). A request without any label is refused, naming where labels
 * come from.
 *
 * @param labels  the candidates, in the order given, at least one
 * @param scoring how a candidate's token log-probabilities make its score
 */
public record LabelCandidates(List<String> labels, LabelScoring scoring) {

    public LabelCandidates {
        Objects.requireNonNull(scoring, "scoring");
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        if (labels != null) {
            for (String l : labels) if (l != null && !l.isBlank()) distinct.add(l.strip());
        }
        if (distinct.isEmpty()) throw missing();
        labels = List.copyOf(distinct);
    }

    /** The refusal of a classify request without candidates, naming where they come from. */
    static IllegalArgumentException missing() {
        return new IllegalArgumentException("task 'classify' needs candidate labels (--labels a,b,c, --labels-file, or a labels column)");
    }

    /** Candidates scored by {@link LabelScoring#SUM}. */
    public LabelCandidates(List<String> labels) {
        this(labels, LabelScoring.SUM);
    }

    /** Candidates from a comma-separated list ({@code --labels cat,dog}). */
    public static LabelCandidates ofCommaSeparated(String list, LabelScoring scoring) {
        return new LabelCandidates(list == null ? List.of() : Arrays.asList(list.split(",")), scoring);
    }

    /** The labels of a file's text, one per line (a label may hold commas); blank lines are skipped. */
    public static List<String> linesOf(String text) {
        return new ArrayList<>(text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    /** The labels joined by ", ", as they appear in the prompt. */
    public String joined() {
        return String.join(", ", labels);
    }
}
