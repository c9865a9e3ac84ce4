package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The jobs' progress lines (issue 19): images done of the total, images per hour, time left; on a clock of the test's own. */
class JobProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aLineSaysWhatIsDoneHowFastAndHowLongIsLeft() {
        // 40 of 100 in 120 s: 1200 an hour, 60 left at that pace is 180 s.
        assertEquals("40 / 100 images (40%), 1200 images/hour, about 3 min left", JobProgress.line(40, 100, 120));
        assertEquals("1 / 1000 images (0%), 360 images/hour, about 2.8 h left", JobProgress.line(1, 1000, 10));
        assertEquals("9 / 10 images (90%), 3240 images/hour, about 1 s left", JobProgress.line(9, 10, 10));
        assertEquals("0 / 10 images (0%), 0 images/hour", JobProgress.line(0, 10, 5), "no pace yet: no estimate");
    }

    @Test
    void linesComeAsTasksFinishAtMostOncePerIntervalAndNotForTheLastRows() {
        AtomicLong done = new AtomicLong(), clock = new AtomicLong();
        List<String> lines = new ArrayList<>();
        JobProgress progress = new JobProgress(done::get, 100, clock::get, 30, lines::add);

        done.set(10);
        clock.set(20 * SECOND);
        progress.onTaskEnd(null); // 20 s < 30 s since the start: quiet
        clock.set(40 * SECOND);
        progress.onTaskEnd(null);
        done.set(20);
        clock.set(50 * SECOND);
        progress.onTaskEnd(null); // 10 s after the last line: quiet
        clock.set(80 * SECOND);
        progress.onTaskEnd(null);
        progress.onTaskEnd(null); // nothing new: quiet
        clock.set(200 * SECOND);
        progress.onTaskEnd(null); // still 20 done: quiet
        done.set(100);
        clock.set(400 * SECOND);
        progress.onTaskEnd(null); // all done: the summary says so

        assertEquals(List.of("10 / 100 images (10%), 900 images/hour, about 6 min left",
                "20 / 100 images (20%), 900 images/hour, about 5 min left"), lines);
    }
}
