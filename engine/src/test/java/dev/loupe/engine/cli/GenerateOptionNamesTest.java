package dev.loupe.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code generate} takes the annotate job's names for the settings they share, as well as llama.cpp's (docs/options.md). */
class GenerateOptionNamesTest {
    @Test
    void theJobsSpellingsAndLlamaCppsSetTheSameSettings() {
        GenerateCommand job = new GenerateCommand();
        new CommandLine(job).parseArgs("-m", "m.gguf", "-p", "hi", "--temperature", "0.5", "--max-image-tokens", "64", "--min-image-tokens", "16");
        GenerateCommand llama = new GenerateCommand();
        new CommandLine(llama).parseArgs("-m", "m.gguf", "-p", "hi", "--temp", "0.5", "--image-max-tokens", "64", "--image-min-tokens", "16");

        for (GenerateCommand c : new GenerateCommand[] {job, llama}) {
            assertEquals(0.5f, c.temperature);
            assertEquals(64, c.maxImageTokens);
            assertEquals(16, c.minImageTokens);
        }
    }
}
