package dev.loupe.job;

import static dev.loupe.job.AnnotateJobTest.DEMO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --conf-file} (issue 19): a long command line in a properties file; parsing only, no Spark. */
class ConfFileTest {
    @TempDir
    Path tmp;

    @Test
    void theFilesOptionsTakeTheDefaultsPlaceByFlagNameOrSparkLoupeKey() throws Exception {
        Path file = write("""
                # a trial of the demo images
                output /data/trial
                --task=detect
                categories dog,cat
                resume true
                spark.loupe.maxTokens 64
                spark.loupe.repackWeights false
                spark.executor.memory 3g
                """);

        AnnotateOptions o = options(file);

        assertEquals("/data/trial", o.output());
        assertEquals(WriteMode.ERROR, o.mode(), "an output named in the file is the user's, not scratch space to replace");
        assertEquals(0, o.show());
        assertTrue(o.resume());
        assertEquals("detect", o.task());
        assertEquals(List.of("dog", "cat"), o.categories());
        assertEquals(64, o.model().maxTokens());
        assertEquals(Boolean.FALSE, o.model().repackWeights(), "spark.loupe.repackWeights false is --no-repack");
        assertEquals(DEMO.input().toString(), o.input(), "what the file leaves out keeps the demo's default");
        assertEquals(DEMO.youtuVlModel().toString(), o.model().model(), "detect without a model still gets the demo that detects");
        assertEquals(Map.of("spark.executor.memory", "3g"), ConfFile.of(new String[] {"--conf-file", file.toString()}, spec()).spark());
    }

    @Test
    void aFlagOnTheCommandLineWinsOverTheFile() throws Exception {
        Path file = write("max-tokens=64\ntemperature=0.7\nseed 5\ncategories dog,cat\n");

        AnnotateOptions o = options(file, "--max-tokens", "8", "--seed", "9", "--categories", "bird");

        assertEquals(java.util.List.of("bird"), o.categories(), "a list flag replaces the file's list, not adds to it");
        assertEquals(8, o.model().maxTokens());
        assertEquals(9L, o.model().seed());
        assertEquals(0.7f, o.model().temperature(), "what the command line leaves out comes from the file");
    }

    @Test
    void optionsFromTheFileAreNotReportedAsDefaults() throws Exception {
        Path file = write("output /data/trial\nmodel /m/text.gguf\nmmproj /m/mmproj.gguf\n");
        CommandLine cli = AnnotateJob.commandLine(DEMO, "--conf-file", file.toString());
        cli.parseArgs("--conf-file", file.toString());
        AnnotateJob job = cli.getCommand();

        DefaultsUsed used = job.defaultsUsed(job.options());

        assertEquals(List.of("--input", "--mode", "--show", "--task"), List.copyOf(used.values().keySet()));
        assertFalse(used.demoModel(), "the file named a model: not the demo's random weights");
    }

    @Test
    void aKeyThatIsNoOptionIsRefusedByNameWithTheFile() throws Exception {
        Path file = write("max-token 64\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnnotateJob.commandLine(DEMO, "--conf-file=" + file));
        assertEquals("--conf-file " + file + ": 'max-token' is not an option of loupe-annotate (--help lists them; write them without "
                + "the leading --) nor a spark.* key", e.getMessage());

        Path twice = write("max-tokens 64\nspark.loupe.maxTokens 32\n");
        e = assertThrows(IllegalArgumentException.class, () -> AnnotateJob.commandLine(DEMO, "--conf-file", twice.toString()));
        assertTrue(e.getMessage().endsWith("--max-tokens is set twice (by 'spark.loupe.maxTokens' and another key)"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> AnnotateJob.commandLine(DEMO, "--conf-file", tmp.resolve("none.conf").toString()));
        assertEquals("--conf-file " + tmp.resolve("none.conf") + ": no such file", e.getMessage());
    }

    @Test
    void aCopyOfTheDefaultsAndTheTemplateAreValidFiles() {
        Path conf = Path.of("../conf");
        ConfFile defaults = ConfFile.of(new String[] {"--conf-file", conf.resolve("loupe-defaults.conf").toString()}, spec());
        assertEquals(Map.of("--max-tokens", "128"), defaults.options());
        assertEquals("loupe-annotate", defaults.spark().get("spark.app.name"));

        ConfFile template = ConfFile.of(new String[] {"--conf-file", conf.resolve("job-options.conf").toString()}, spec());
        assertEquals(Map.of(), template.options(), "the template's lines are all commented out");
    }

    /** The template names every option of the annotate job (commented out with its default), so it does not fall behind. */
    @Test
    void theTemplateNamesEveryOptionOfTheJob() throws Exception {
        String template = Files.readString(Path.of("../conf/job-options.conf"));
        List<String> missing = new ArrayList<>();
        for (CommandLine.Model.OptionSpec option : spec().options()) {
            String name = option.longestName().substring(2);
            if (option.usageHelp() || option.versionHelp() || name.equals("conf-file")) continue;
            if (!template.contains("\n# " + name + " ") && !template.contains("\n#" + name + " ")) missing.add(name);
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void noFileChangesNothing() {
        assertEquals(ConfFile.none(), ConfFile.of(new String[] {"--output", "x"}, spec()));
        assertNull(ConfFile.none().file());
    }

    private Path write(String text) throws Exception {
        Path file = Files.createTempFile(tmp, "job", ".conf");
        Files.writeString(file, text);
        return file;
    }

    private static CommandLine.Model.CommandSpec spec() {
        return AnnotateJob.commandLine(DEMO).getCommandSpec();
    }

    private static AnnotateOptions options(Path file, String... more) {
        List<String> args = new ArrayList<>(List.of("--conf-file", file.toString()));
        args.addAll(List.of(more));
        String[] all = args.toArray(String[]::new);
        CommandLine cli = AnnotateJob.commandLine(DEMO, all);
        cli.parseArgs(all);
        return ((AnnotateJob) cli.getCommand()).options();
    }
}
