package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Token log-probabilities are the model's own: the first generated token's equals its logit
 * after the prompt minus the log of the sum of exp over the whole vocabulary, computed here
 * apart in double; they do not depend on sampling settings that change the choice's odds
 * (temperature), and they reach the annotation.
 */
class GenerationScoresTest {

    @Test
    void firstTokensLogprobIsItsLogSoftmaxUnderThePromptsLogits() throws Exception {
        byte[] png = Files.readAllBytes(YoutuVlImagePromptTest.ORACLE.resolve("images/synth_rgba_96x64.png"));
        try (YoutuVlModel model = YoutuVlImagePromptTest.open(Numerics.EXACT)) {
            PreparedRequest r = model.prepare(png, Task.CAPTION, null, ImageLimits.NONE);
            Generation g = model.generator().generate(r.segments(), GenerationSettings.GREEDY.withMaxTokens(3));
            float[] logits = g.promptLogits();
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : logits) max = Math.max(max, v);
            for (float v : logits) sum += Math.exp(v - max);
            double expected = logits[g.tokens()[0]] - (max + Math.log(sum));
            assertEquals(expected, g.logprobs()[0], 1e-4);
            assertEquals(3, g.logprobs().length);
            assertEquals(g.text().length(), g.textEnds()[g.textEnds().length - 1]);

            Annotation a = model.annotation(r, g);
            assertNotNull(a.confidence());
            assertEquals((g.logprobs()[0] + g.logprobs()[1] + g.logprobs()[2]) / 3, a.confidence().meanLogprob(), 1e-6);
            float min = Math.min(g.logprobs()[0], Math.min(g.logprobs()[1], g.logprobs()[2]));
            assertEquals(min, a.confidence().minLogprob());

            // Temperature changes which token is drawn, not what the model thinks of it: the first
            // draw's log-probability is read from the same prompt logits.
            Generation hot = model.generator().generate(r.segments(), new GenerationSettings(1, 5f, 0, 1f, 0f, 1f, 64, 3L));
            double hotExpected = logits[hot.tokens()[0]] - (max + Math.log(sum));
            assertEquals(hotExpected, hot.logprobs()[0], 1e-4);
        }
    }
}
