package dev.loupe.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The worst-misses selection alone: order, bounded memory over a long stream, RES-only ranking, what is left out. */
class WorstMissesTest {
    @Test
    void keepsTheWorstOfALongStreamWhateverItsOrder() {
        List<EvaluationSample> samples = new ArrayList<>();
        for (int i = 0; i < 1000; i++) samples.add(box(String.format("s%04d", i), "scored", i / 1000.0));
        Collections.shuffle(samples, new Random(7));
        WorstMisses worst = new WorstMisses(3);
        samples.forEach(worst::offer);
        assertEquals(List.of("s0000", "s0001", "s0002"), ids(worst.worst()));
        assertEquals(1000, worst.ranked());
    }

    @Test
    void equalIousPutUnparsedThenErrorThenMissingThenScoredAndLeaveBadTruthOut() {
        WorstMisses worst = new WorstMisses(10);
        for (EvaluationSample s : List.of(box("a", "scored", 0.0), box("b", "missing", null), box("c", "error", 0.0),
                box("d", "unparsed", 0.0), box("e", "bad_truth", null), box("f", "scored", 0.25), box("g", "unparsed", 0.0))) {
            worst.offer(s);
        }
        assertEquals(List.of("d", "g", "c", "b", "a", "f"), ids(worst.worst()), "a miss without an IoU written is IoU 0");
        assertEquals(6, worst.ranked());
        assertEquals(1, worst.skipped());
    }

    @Test
    void samplesWithoutABoxResultAreRankedByTheirMask() {
        WorstMisses worst = new WorstMisses(2);
        worst.offer(mask("m1", "scored", 0.75));
        worst.offer(mask("m2", "scored", 0.125));
        worst.offer(mask("m3", "scored", 0.5));
        worst.offer(mask("m4", null, null)); // nothing evaluated
        assertEquals(List.of("m2", "m3"), ids(worst.worst()));
        assertEquals(1, worst.skipped());
        assertThrows(IllegalArgumentException.class, () -> new WorstMisses(0));
    }

    private static EvaluationSample box(String id, String outcome, Double iou) {
        return new EvaluationSample(id, id + ".jpg", "val", "x", null, null, outcome, iou, null, null, null, null, null, null, null, null, null, null);
    }

    private static EvaluationSample mask(String id, String outcome, Double iou) {
        return new EvaluationSample(id, id + ".jpg", "val", "x", null, null, null, null, null, null, null, null, null, null, outcome, iou, null, null);
    }

    private static List<String> ids(List<EvaluationSample> samples) {
        return samples.stream().map(EvaluationSample::sampleId).toList();
    }
}
