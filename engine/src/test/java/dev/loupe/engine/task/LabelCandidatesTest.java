package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Candidate labels, their scoring and the distribution over them, apart from any model. */
class LabelCandidatesTest {

    @Test
    void labelsAreStrippedBlankOnesDroppedAndRepeatedOnesKeptOnce() {
        LabelCandidates c = LabelCandidates.ofCommaSeparated(" cat, dog,,cat , hot dog ", LabelScoring.MEAN);
        assertEquals(List.of("cat", "dog", "hot dog"), c.labels());
        assertEquals(LabelScoring.MEAN, c.scoring());
        assertEquals("cat, dog, hot dog", c.joined());
        assertEquals(List.of("a cat, sitting", "a dog"), LabelCandidates.linesOf("a cat, sitting\n\n  a dog  \r\n"));
    }

    @Test
    void noLabelAtAllIsRefusedSayingWhereLabelsComeFrom() {
        for (List<String> none : Arrays.asList(null, List.<String>of(), List.of(" ", ""))) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> new LabelCandidates(none));
            assertTrue(e.getMessage().contains("needs candidate labels") && e.getMessage().contains("--labels"), e.getMessage());
        }
    }

    @Test
    void scoringIsTheSumOrTheMeanOfTheTokensLogProbabilities() {
        float[] tokens = {-1f, -2f, -3f};
        assertEquals(-6.0, LabelScoring.SUM.score(tokens), 1e-12);
        assertEquals(-2.0, LabelScoring.MEAN.score(tokens), 1e-12);
        assertEquals(LabelScoring.SUM, LabelScoring.parse(null));
        assertEquals(LabelScoring.MEAN, LabelScoring.parse(" Mean "));
        Exception e = assertThrows(IllegalArgumentException.class, () -> LabelScoring.parse("max"));
        assertTrue(e.getMessage().contains("sum or mean"), e.getMessage());
    }

    @Test
    void theDistributionIsASoftmaxOfTheScoresMostProbableFirst() {
        List<LabelDistribution.Scored> scored = List.of(new LabelDistribution.Scored("short", new float[] {-2f, -0.5f}),
                new LabelDistribution.Scored("long label", new float[] {-0.5f, -0.5f, -0.5f, -0.5f, -0.1f}));
        // Sum: -2.5 vs -2.1, the long label wins; mean: -1.25 vs -0.42, the long one still.
        LabelDistribution sum = LabelDistribution.of(scored, LabelScoring.SUM);
        assertEquals("long label", sum.best());
        assertEquals(1 / (1 + Math.exp(-0.4)), sum.labels().get(0).probability(), 1e-6);
        assertEquals(1 / (1 + Math.exp(0.4)), sum.labels().get(1).probability(), 1e-6);
        LabelDistribution mean = LabelDistribution.of(scored, LabelScoring.MEAN);
        assertEquals(1 / (1 + Math.exp(-(1.25 - 0.42))), mean.labels().get(0).probability(), 1e-6);
        // The best label's confidence is its label tokens', the end-of-turn token (the last) left out.
        assertEquals(-0.5f, sum.confidence().meanLogprob(), 1e-6);
        assertEquals(-0.5f, sum.confidence().minLogprob());
    }

    @Test
    void veryUnlikelyAnswersStillGetFiniteProbabilitiesAndTiesKeepTheOrderGiven() {
        LabelDistribution d = LabelDistribution.of(List.of(new LabelDistribution.Scored("a", new float[] {-1001f, 0f}),
                new LabelDistribution.Scored("b", new float[] {-1000f, 0f}), new LabelDistribution.Scored("c", new float[] {-1000f, 0f})), LabelScoring.SUM);
        assertEquals(List.of("b", "c", "a"), d.labels().stream().map(Annotation.Label::label).toList());
        double e = Math.exp(-1);
        assertEquals(1 / (2 + e), d.labels().get(0).probability(), 1e-6);
        assertEquals(e / (2 + e), d.labels().get(2).probability(), 1e-6);
        // A label of one token (its end-of-turn token only) has no label token to be sure of.
        assertNull(LabelDistribution.of(List.of(new LabelDistribution.Scored("x", new float[] {-1f})), LabelScoring.SUM).confidence().meanLogprob());
    }
}
