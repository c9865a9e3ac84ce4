package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The classify task's answer from its candidates' token log-probabilities: each candidate's
 * score ({@link LabelScoring}), a softmax over the scores (in double, the largest taken out
 * first so no exp overflows), and the labels from most to least probable (ties in the order
 * given). The confidence is the best label's, as a generated answer's would be: its tokens'
 * mean and least log-probability, the end-of-turn token left out as for generated answers.
 */
public final class LabelDistribution {
    /**
     * One candidate as the model scored it.
     *
     * @param label          the label
     * @param tokenLogprobs  log p(token | image, prompt, previous tokens) of each of the answer's
     *                       tokens, natural log; the last is the end-of-turn token's
     */
    public record Scored(String label, float[] tokenLogprobs) {}

    private final List<Annotation.Label> labels;
    private final Annotation.Confidence confidence;

    private LabelDistribution(List<Annotation.Label> labels, Annotation.Confidence confidence) {
        this.labels = labels;
        this.confidence = confidence;
    }

    public static LabelDistribution of(List<Scored> candidates, LabelScoring scoring) {
        if (candidates.isEmpty()) throw new IllegalArgumentException("no candidate labels to choose among");
        int n = candidates.size();
        double[] score = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            score[i] = scoring.score(candidates.get(i).tokenLogprobs());
            max = Math.max(max, score[i]);
        }
        double sum = 0;
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) sum += weight[i] = Math.exp(score[i] - max);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -score[i]));
        List<Annotation.Label> labels = new ArrayList<>(n);
        for (int i : order) labels.add(new Annotation.Label(candidates.get(i).label(), (float) (weight[i] / sum)));
        return new LabelDistribution(List.copyOf(labels), confidence(candidates.get(order.get(0)).tokenLogprobs()));
    }

    /** The labels with their probabilities, most probable first. */
    public List<Annotation.Label> labels() {
        return labels;
    }

    /** The most probable label. */
    public String best() {
        return labels.get(0).label();
    }

    /** The best label's confidence: its answer tokens, the closing end-of-turn token excluded. */
    public Annotation.Confidence confidence() {
        return confidence;
    }

    private static Annotation.Confidence confidence(float[] tokenLogprobs) {
        TokenScores s = new TokenScores(tokenLogprobs, new int[tokenLogprobs.length], tokenLogprobs.length - 1);
        return new Annotation.Confidence(s.meanLogprob(), s.minLogprob());
    }
}
