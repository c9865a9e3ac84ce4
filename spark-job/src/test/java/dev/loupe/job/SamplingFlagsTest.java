package dev.loupe.job;

import static dev.loupe.job.AnnotateJobTest.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.udf.AnnotatorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs' sampling flags (issue 19): what spark.loupe.topK, topP, minP, repeatPenalty and repeatLastN set, now as flags too. */
class SamplingFlagsTest {

    @Test
    void theFlagsReachTheGenerationSettingsOfEveryRow() {
        AnnotateOptions o = options("--temperature", "0.8", "--top-k", "40", "--top-p", "0.9", "--min-p", "0.05",
                "--repeat-penalty", "1.1", "--repeat-last-n", "32", "--seed", "7");

        GenerationSettings g = AnnotatorSpec.fromMap(o.model().specOptions(null)).generationSettings();

        assertEquals(new GenerationSettings(GenerationSettings.GREEDY.maxTokens(), 0.8f, 40, 0.9f, 0.05f, 1.1f, 32, 7), g);
    }

    @Test
    void leftOutTheyKeepTheEnginesGreedyDefaults() {
        GenerationSettings g = AnnotatorSpec.fromMap(options().model().specOptions(null)).generationSettings();
        assertEquals(GenerationSettings.GREEDY, g);
    }

    @Test
    void aBadValueNamesItsFlag() {
        assertEquals("--top-p must be in (0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> options("--top-p", "1.5")).getMessage());
        assertEquals("--top-k must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> options("--top-k", "-1")).getMessage());
        assertEquals("--repeat-penalty must be > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> options("--repeat-penalty", "0")).getMessage());
    }

    @Test
    void aConfFileSetsThemByTheirSparkLoupeKeys(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("s.conf"), "temperature 0.7\nspark.loupe.topK 20\nspark.loupe.repeatLastN 16\n");
        String[] args = {"--conf-file", file.toString(), "--top-k", "10"};
        picocli.CommandLine cli = AnnotateJob.commandLine(AnnotateJobTest.DEMO, args);
        cli.parseArgs(args);

        GenerationSettings g = AnnotatorSpec.fromMap(((AnnotateJob) cli.getCommand()).options().model().specOptions(null)).generationSettings();

        assertEquals(0.7f, g.temperature());
        assertEquals(10, g.topK(), "the command line wins over the file");
        assertEquals(16, g.repeatLastN());
    }
}
