package dev.loupe.engine.text;

import dev.loupe.engine.kernels.VectorMath;
import dev.loupe.engine.vlm.GenerationSettings;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits. Greedy (temperature 0) takes the argmax, ties to the
 * lowest id, as llama.cpp does. Otherwise llama.cpp's chain order is followed: repetition
 * penalty, top-k, top-p, min-p, temperature, then a draw from a generator seeded per
 * sequence — so the same seed gives the same text on any executor.
 *
 * <p>Not thread-safe: one sampler per sequence. Buffers are allocated once.
 */
public final class Sampler {
    private final GenerationSettings settings;
    private final SplittableRandom random;
    private final int[] recent;
    private int recentCount;
    private int recentNext;
    private long[] keys = new long[0];
    private int[] order = new int[0];
    private float[] probs = new float[0];

    public Sampler(GenerationSettings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.recent = new int[Math.max(0, settings.repeatLastN())];
    }

    /** Records a token in the repetition-penalty window (prompt tokens or generated ones). */
    public void accept(int token) {
        if (recent.length == 0) return;
        recent[recentNext] = token;
        recentNext = (recentNext + 1) % recent.length;
        recentCount = Math.min(recentCount + 1, recent.length);
    }

    /** Whether {@link #sample} may change the logits it is given (penalties, sorting); greedy picking without a penalty reads them only. */
    public boolean modifiesLogits() {
        return settings.repeatPenalty() != 1f || !settings.greedy();
    }

    /** Samples from {@code n} logits at {@code off}. The logits may be modified (see {@link #modifiesLogits}). */
    public int sample(float[] logits, int off, int n) {
        if (settings.repeatPenalty() != 1f) applyRepeatPenalty(logits, off);
        if (settings.greedy()) return VectorMath.argmax(logits, off, n);

        int count = sortCandidates(logits, off, n, settings.topK() > 0 ? Math.min(settings.topK(), n) : n);

        // Softmax over the candidates (before temperature, as llama.cpp's top-p/min-p see it).
        softmax(logits, off, count, 1f);
        if (settings.topP() < 1f) {
            double cumulative = 0;
            int keep = count;
            for (int i = 0; i < count; i++) {
                cumulative += probs[i];
                if (cumulative >= settings.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            count = keep;
        }
        if (settings.minP() > 0f) {
            float threshold = probs[0] * settings.minP();
            int keep = 1;
            while (keep < count && probs[keep] >= threshold) keep++;
            count = keep;
        }
        softmax(logits, off, count, settings.temperature());
        double r = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += probs[i];
            if (r < cumulative) return order[i];
        }
        return order[count - 1];
    }

    /**
     * Puts the {@code keep} highest logits' ids in {@code order}, highest first, lower id first on
     * ties. Keys pack an order-preserving int of the logit with the id, so sorting is primitive.
     */
    private int sortCandidates(float[] logits, int off, int n, int keep) {
        if (keys.length < n) {
            keys = new long[n];
            order = new int[n];
            probs = new float[n];
        }
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(logits[off + i]);
            int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order equals float order
            keys[i] = ((long) ~ordered << 32) | i;              // ~ makes ascending mean highest first
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < keep; i++) order[i] = (int) keys[i];
        return keep;
    }

    private void softmax(float[] logits, int off, int count, float temperature) {
        float max = logits[off + order[0]];
        double sum = 0;
        for (int i = 0; i < count; i++) {
            float p = (float) Math.exp((logits[off + order[i]] - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < count; i++) probs[i] = (float) (probs[i] / sum);
    }

    /** llama.cpp's rule: positive logits are divided by the penalty, negative ones multiplied. */
    private void applyRepeatPenalty(float[] logits, int off) {
        int[] seen = Arrays.copyOf(recent, recentCount);
        Arrays.sort(seen);
        int prev = -1;
        for (int token : seen) {
            if (token == prev) continue;
            prev = token;
            float l = logits[off + token];
            logits[off + token] = l > 0 ? l / settings.repeatPenalty() : l * settings.repeatPenalty();
        }
    }
}
