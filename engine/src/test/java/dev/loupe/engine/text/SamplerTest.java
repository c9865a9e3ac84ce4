package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.vlm.GenerationSettings;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static GenerationSettings sampling(float temp, int topK, float topP, float minP, float repeat, long seed) {
        return new GenerationSettings(16, temp, topK, topP, minP, repeat, 64, seed);
    }

    @Test
    void greedyTakesTheArgmaxAndBreaksTiesTowardTheLowestId() {
        Sampler s = new Sampler(GenerationSettings.GREEDY);
        assertEquals(2, s.sample(new float[] {0f, 1f, 3f, 2f}, 0, 4));
        assertEquals(1, s.sample(new float[] {0f, 3f, 3f, 3f}, 0, 4));
        assertEquals(1, s.sample(new float[] {9f, 0f, 5f}, 1, 2), "offset into a larger array");
    }

    @Test
    void theSameSeedGivesTheSameDrawsAndAnotherSeedOthers() {
        float[] logits = new float[50];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) Math.sin(i) * 2;
        int[] a = draws(sampling(1f, 0, 1f, 0f, 1f, 42), logits, 200);
        int[] b = draws(sampling(1f, 0, 1f, 0f, 1f, 42), logits, 200);
        int[] c = draws(sampling(1f, 0, 1f, 0f, 1f, 43), logits, 200);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void topKOneIsGreedyAndTopKLimitsTheCandidates() {
        float[] logits = {0.5f, 2f, 1.9f, -1f, 1.8f};
        for (int id : draws(sampling(5f, 1, 1f, 0f, 1f, 7), logits, 50)) assertEquals(1, id);
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(sampling(50f, 3, 1f, 0f, 1f, 7), logits, 500)) seen.add(id);
        assertEquals(Set.of(1, 2, 4), seen, "a high temperature reaches all of the top 3 and nothing else");
    }

    @Test
    void minPDropsTokensFarBelowTheBest() {
        // softmax(10, 9, 0): p = 0.731, 0.269, 0.00003; min-p 0.1 keeps ids 0 and 1 only.
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(sampling(10f, 0, 1f, 0.1f, 1f, 3), new float[] {10f, 9f, 0f}, 400)) seen.add(id);
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // p = 0.665, 0.245, 0.090: top-p 0.8 keeps the first two.
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(sampling(1f, 0, 0.8f, 0f, 1f, 5), new float[] {2f, 1f, 0f}, 400)) seen.add(id);
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(new GenerationSettings(16, 0f, 0, 1f, 0f, 2f, 64, 0));
        s.accept(0);
        s.accept(2);
        float[] logits = {3f, 2f, -1f, -1.5f};
        assertEquals(1, s.sample(logits, 0, 4), "3 / 2 = 1.5 < 2");
        assertEquals(1.5f, logits[0]);
        assertEquals(-2f, logits[2]);
        assertEquals(-1.5f, logits[3], "not seen: unchanged");
    }

    @Test
    void sampledTokensFollowTheDistribution() {
        int[] counts = new int[2];
        for (int id : draws(sampling(1f, 0, 1f, 0f, 1f, 11), new float[] {(float) Math.log(3), 0f}, 4000)) counts[id]++;
        double share = counts[0] / 4000.0;
        assertTrue(Math.abs(share - 0.75) < 0.03, "p(0) = 0.75, sampled " + share);
    }

    static int[] draws(GenerationSettings settings, float[] logits, int n) {
        Sampler s = new Sampler(settings);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits.clone(), 0, logits.length);
        return out;
    }
}
