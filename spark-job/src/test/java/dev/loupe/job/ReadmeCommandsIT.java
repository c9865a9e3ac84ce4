package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ci/readme-commands.sh}, the runner of the README's commands that {@code .ci/run} calls
 * (issue 19): what it takes for a command, that a failing one fails it, that a marker skips one.
 * On small markdown files of its own and on the README's list; running the README itself is CI's.
 */
class ReadmeCommandsIT {
    static final Path SCRIPT = StandaloneClusterIT.ROOT.resolve(".ci/readme-commands.sh");

    @Test
    void aFailingCommandFailsTheRunAndAMarkedBlockIsNotRun(@TempDir Path tmp) throws Exception {
        Path md = tmp.resolve("doc.md");
        Files.writeString(md, """
                # A page

                A block that works, a line continued:

                    mkdir out && touch out/readme-commands-probe && \\
                      echo fine

                A block marked as not to run:
                <!-- readme-commands: skip: would fail here -->
                    exit 5

                Inline: `./loupe COMMAND` is a placeholder, `./loupe --help` is not a block.
                A failing block:

                    true
                    exit 3
                """);

        Result r = run(md.toString());

        assertEquals(1, r.exit, r.out);
        assertTrue(r.out.contains("== run   doc.md:5\nmkdir out && touch out/readme-commands-probe && \\\n  echo fine\n   ok in "), r.out);
        assertTrue(r.out.contains("== skip  doc.md:10 (would fail here): exit 5"), r.out);
        assertTrue(r.out.contains("== skip  doc.md:12 (placeholder): ./loupe COMMAND"), r.out);
        assertTrue(r.out.contains("== run   doc.md:12\n./loupe --help\n   ok in "), r.out);
        assertTrue(r.out.contains("== run   doc.md:15\ntrue\nexit 3\n   FAILED (exit 3)"), r.out);
        assertTrue(r.out.endsWith("== readme-commands: 3 run, 2 skipped, 1 failed: doc.md:15\n"), r.out);
        assertFalse(Files.exists(StandaloneClusterIT.ROOT.resolve("out/readme-commands-probe")),
                "commands write to a scratch out/, not the checkout's");
    }

    /** Every block of the README either runs or is skipped for a stated reason; the demo and the option examples run. */
    @Test
    void theReadmesDemoCommandsRunAndEverySkipSaysWhy() throws Exception {
        Result r = run("--list");

        assertEquals(0, r.exit, r.out);
        List<String> runs = r.out.lines().filter(l -> l.startsWith("== run")).toList();
        assertTrue(r.out.contains(":36\n./submit.sh\n") || r.out.contains("\n./submit.sh\n"), r.out);
        assertTrue(r.out.contains("./submit.sh --task ground --prompt \"the cat\""), r.out);
        assertTrue(r.out.contains("\n./submit.sh --dry-run\n") && r.out.contains("\n./loupe --help\n"), r.out);
        assertTrue(runs.size() >= 6, r.out);
        for (String skip : r.out.lines().filter(l -> l.startsWith("== skip")).toList()) {
            assertTrue(skip.matches("== skip  README\\.md:\\d+ \\((needs |placeholder|the test command).*"), skip);
        }
    }

    private record Result(int exit, String out) {}

    private static Result run(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("LOUPE_NO_BUILD", "1"); // the build running this test has just made the jars
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + command);
        return new Result(p.exitValue(), out);
    }
}
