package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.udf.RunMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary a run prints (issue 19): what it cost, and the rows' summed times named for what they are. */
class JobSummaryTest {
    /** The run: 100 images in 34 s on a 2-core local cluster, whose rows' own times sum to 196.3 s. */
    private static final JobSummary RUN = new JobSummary("/out", 100, 0, 3200, List.of(),
            new RunMetrics(100, 0, 17300, 3200, 196.3, new RunMetrics.Stages(16900, 120.5, 30.25, 45.5), Map.of("0", 1, "1", 1)),
            0, 34.0, 2);

    @Test
    void imagesPerHourAndCoreHoursPerMillionImagesComeFromWallTimeAndCores() {
        assertEquals(100 * 3600 / 34.0, RUN.imagesPerHour(), 1e-9); // 10588.2
        assertEquals(34.0 * 2 / 3600 / 100 * 1e6, RUN.coreHoursPerMillionImages(), 1e-9); // 188.9
    }

    @Test
    void thePrintedSummaryPutsTheCostNextToTheStagesAndSaysTheirSumsOverlap() {
        StringWriter text = new StringWriter();
        RUN.print(new PrintWriter(text, true));
        String s = text.toString();

        assertTrue(s.contains("loupe annotate: 100 images, 100 annotated, 0 errors, 3200 tokens generated, 34.0 s\n"), s);
        assertTrue(s.contains("loupe annotate: this run: 10588 images/hour on 2 cores, 188.9 core-hours per million images\n"), s);
        assertTrue(s.contains("loupe annotate: a row's time, summed over rows that overlap: encode 120.5 s, prefill 30.3 s, decode 45.5 s "
                + "(1.96 s per row from start to end)\n"), s);
        assertFalse(s.contains("in the engine"), "a sum over overlapping rows is not the engine's time: " + s);
    }

    @Test
    void aRunThatAnnotatedNothingPrintsNoRate() {
        JobSummary nothing = new JobSummary("/out", 5, 0, 0, List.of(),
                new RunMetrics(0, 0, 0, 0, 0, new RunMetrics.Stages(0, 0, 0, 0), Map.of()), 5, 2.0, 2);
        StringWriter text = new StringWriter();
        nothing.print(new PrintWriter(text, true));
        assertFalse(text.toString().contains("images/hour"), text.toString());
        assertEquals(0, nothing.coreHoursPerMillionImages());
    }
}
