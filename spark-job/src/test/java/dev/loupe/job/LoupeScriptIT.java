package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ./loupe launcher on the packaged jars: one help for every command, each command run from its own classpath. */
class LoupeScriptIT {
    static final Path LOUPE = StandaloneClusterIT.ROOT.resolve("loupe");

    @Test
    void helpListsTheEngineCommandsAndTheParquetOnes() throws Exception {
        Result help = run("--help");
        assertEquals(0, help.exit, help.err);
        for (String command : List.of("inspect", "tokenize", "generate", "oracle-check", "make-model", "bench", "bench-annotate",
                "export-coco", "import-coco", "report", "help")) {
            assertTrue(help.out.contains("\n  " + command + " "), command + " in:\n" + help.out);
        }
    }

    @Test
    void engineCommandsRunFromTheEngineJarAndParquetCommandsFromTheJobClasspath() throws Exception {
        Result inspect = run("inspect", "--no-tensors", StandaloneClusterIT.MMPROJ.toString());
        assertEquals(0, inspect.exit, inspect.err);
        assertTrue(inspect.out.contains("general.architecture"), inspect.out);

        Result export = run("export-coco", "--input", "/nonexistent/annotations", "--output", "/tmp/never.json");
        assertEquals(1, export.exit);
        assertTrue(export.err.contains("loupe: /nonexistent/annotations: no such file or directory"), export.err);
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LOUPE.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LOUPE_NO_BUILD", "1"); // the build running this test has just made the jars
        Path err = Files.createTempFile("loupe", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./loupe still running: " + command);
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), out, errText);
    }
}
