package dev.loupe.job;

import static dev.loupe.job.AnnotateJobTest.DEMO;
import static dev.loupe.job.AnnotateJobTest.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Each of the annotate job's options defaults on its own (issue 19): parsing only, no Spark. */
class AnnotateDefaultsTest {

    @Test
    void nothingGivenIsTheDemoRunSubmitShAlwaysRan() {
        AnnotateOptions o = options();

        assertEquals(DEMO.input().toString(), o.input());
        assertEquals(DEMO.output().toString(), o.output());
        assertEquals(DEMO.model().toString(), o.model().model());
        assertEquals(DEMO.mmproj().toString(), o.model().mmproj());
        assertEquals(WriteMode.OVERWRITE, o.mode(), "the default output is scratch space: a rerun replaces it");
        assertEquals(10, o.show());
        assertEquals("caption", o.task());
        assertEquals(List.of("--input", "--model", "--mmproj", "--output", "--mode", "--show", "--task"), reported());
    }

    @Test
    void anOutputAloneKeepsTheDemoInputAndModelAndRefusesToReplaceWhatIsThere() {
        AnnotateOptions o = options("--output", "/data/mine");

        assertEquals("/data/mine", o.output());
        assertEquals(DEMO.input().toString(), o.input());
        assertEquals(DEMO.model().toString(), o.model().model());
        assertEquals(WriteMode.ERROR, o.mode(), "an output the user names is not replaced unless asked");
        assertEquals(0, o.show());
        assertEquals(List.of("--input", "--model", "--mmproj", "--mode", "--show", "--task"), reported("--output", "/data/mine"));
    }

    @Test
    void aTaskAndPromptAloneRunTheDemoWithAModelThatDoesTheTask() {
        AnnotateOptions o = options("--task", "ground", "--prompt", "the cat");

        assertEquals("ground", o.task());
        assertEquals("the cat", o.prompt());
        assertEquals(DEMO.input().toString(), o.input());
        assertEquals(DEMO.output().toString(), o.output());
        assertEquals(DEMO.youtuVlModel().toString(), o.model().model(), "the demo SmolVLM refuses ground; the tiny Youtu-VL grounds");
        assertEquals(DEMO.youtuVlMmproj().toString(), o.model().mmproj());
        assertEquals(List.of("--input", "--model", "--mmproj", "--output", "--mode", "--show"), reported("--task", "ground", "--prompt", "the cat"));

        assertEquals(DEMO.model().toString(), options("--task", "ocr").model().model(), "a task the SmolVLM does keeps it");
        assertEquals(DEMO.model().toString(), options("--task", "no-such-task").model().model(), "an unknown task is the rows' error");

        AnnotateOptions several = options("--tasks", "caption, Ground", "--prompt", "the cat");
        assertEquals(List.of("caption", "ground"), several.tasks());
        assertEquals(DEMO.youtuVlModel().toString(), several.model().model(), "one task of the list the SmolVLM refuses: the Youtu-VL does both");
        assertEquals(DEMO.model().toString(), options("--tasks", "caption,ocr").model().model());
        assertEquals(List.of("--input", "--model", "--mmproj", "--output", "--mode", "--show"), reported("--tasks", "caption,ocr"),
                "--tasks is --task given");
    }

    @Test
    void aModelWithoutItsProjectorIsRefusedNotPairedWithTheDemos() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options("--model", "/models/qwen.gguf"));
        assertEquals("--mmproj is required with --model: a model and its projector go together (the demo's fit only each other)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> options("--mmproj", "/models/mmproj.gguf"));
        assertTrue(e.getMessage().startsWith("--model is required with --mmproj"), e.getMessage());
    }

    @Test
    void aDefaultThatIsNotThereIsNamedAsADefault() {
        DemoDefaults nowhere = new DemoDefaults(Path.of("/no/loupe/here"));
        CommandLine cli = AnnotateJob.commandLine(nowhere);
        cli.parseArgs("--output", "/tmp/x");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ((AnnotateJob) cli.getCommand()).options());
        assertTrue(e.getMessage().startsWith("--input was not given and its default /no/loupe/here/sample-data/images (this checkout's demo"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("pass --input, or point -Dloupe.home or $LOUPE_HOME at a Loupe checkout"), e.getMessage());
    }

    @Test
    void helpShowsEachDefault() {
        StringWriter help = new StringWriter();
        AnnotateJob.commandLine(DEMO).setUsageHelpWidth(400).usage(new PrintWriter(help));
        String text = help.toString();

        for (Path p : List.of(DEMO.input(), DEMO.output(), DEMO.model(), DEMO.mmproj())) {
            assertTrue(text.contains("Default: " + p), p + " in\n" + text);
        }
        assertTrue(text.contains("Default: caption"), text);
        assertFalse(text.contains("Missing required"), text);
    }

    /** The options a command line left to their defaults, as the job reports them. */
    private static List<String> reported(String... args) {
        CommandLine cli = AnnotateJob.commandLine(DEMO);
        cli.parseArgs(args);
        AnnotateJob job = cli.getCommand();
        return List.copyOf(job.defaultsUsed(job.options()).values().keySet());
    }
}
