package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** submit.sh's own options, mostly without starting Spark (the cluster runs are {@link StandaloneClusterIT}'s). */
class SubmitScriptIT {
    static final Path SUBMIT = StandaloneClusterIT.ROOT.resolve("submit.sh");

    @Test
    void theSparkHomeItAssemblesHasEverySparkJarAndNoneOfLoupes() throws Exception {
        Result r = run("--spark-home");

        assertEquals(0, r.exit, r.err);
        Path home = Path.of(r.out.strip());
        assertEquals(StandaloneClusterIT.ROOT.resolve("spark-job/target/spark-home"), home);
        List<String> jars;
        try (var files = Files.list(home.resolve("jars"))) {
            jars = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("spark-core_2.13-")), jars.toString());
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("hadoop-client-runtime-")), jars.toString());
        assertTrue(jars.stream().noneMatch(j -> j.startsWith("loupe-") || j.startsWith("picocli-")),
                "the job jar brings Loupe's own classes: " + jars);
        assertTrue(Files.exists(home.resolve("conf/log4j2.properties")));
    }

    @Test
    void aMasterItCannotUseIsRefusedByName() throws Exception {
        Result yarn = run("--master", "yarn", "--input", "x", "--output", "y");
        assertEquals(2, yarn.exit);
        assertTrue(yarn.err.contains("loupe: --master yarn: use local[*], local[N], local-cluster[N,C,M] or spark://host:port"), yarn.err);

        Result shortCluster = run("--master", "local-cluster[2,1]", "--input", "x", "--output", "y");
        assertEquals(2, shortCluster.exit);
        assertTrue(shortCluster.err.contains("local-cluster takes [executors,cores,MiB], e.g. local-cluster[2,1,1024]"), shortCluster.err);
    }

    /**
     * {@code submit.sh eval} in local mode picks the eval job and, without --model, the tiny
     * Youtu-VL (the demo SmolVLM cannot ground), saying it has random weights; with --predictions
     * it adds no model at all.
     */
    @Test
    void evalRunsTheEvalJobWithTheTinyYoutuVlUnlessScoringPredictions(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String sample = StandaloneClusterIT.ROOT.resolve("sample-data/refcoco-sample").toString();
        Result run = run("eval", "--dataset", sample, "--output", tmp.resolve("run").toString(), "--splits", "testA", "--limit", "2",
                "--max-tokens", "4", "--max-image-tokens", "64");
        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.contains("RANDOM weights"), run.out);
        assertTrue(run.out.contains("ground requests annotated") && run.out.contains("loupe eval: REC"), run.out);
        assertTrue(Files.exists(tmp.resolve("run/summary.json")) && Files.isDirectory(tmp.resolve("run/ground")));

        Result scored = run("eval", "--dataset", sample, "--output", tmp.resolve("scored").toString(), "--predictions", tmp.resolve("run/ground").toString());
        assertEquals(0, scored.exit, scored.err);
        assertTrue(!scored.out.contains("RANDOM weights") && !scored.out.contains("requests annotated"), scored.err + scored.out);
        assertTrue(scored.out.contains("loupe eval: REC"), scored.out);
    }

    /**
     * Options compose (issue 19): submit.sh passes no demo arguments of its own any more, the job
     * defaults each one from the checkout submit.sh names; {@code --dry-run} shows it without running.
     */
    @Test
    void anyOptionAloneKeepsTheRestOfTheDemo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("trial");
        Result output = run("--output", out.toString(), "--dry-run");
        assertEquals(0, output.exit, output.err + output.out);
        String root = StandaloneClusterIT.ROOT.toString();
        assertTrue(output.out.contains("  --input   " + root + "/sample-data/images\n"), output.out);
        assertTrue(output.out.contains("  input     " + root + "/sample-data/images: 4 image files"), output.out);
        assertTrue(output.out.contains("  output    " + out + " does not exist: the job creates it"), output.out);
        assertTrue(output.out.contains("loupe dry-run: OK, the job would start."), output.out);

        Result ground = run("--task", "ground", "--prompt", "the cat", "--dry-run");
        assertEquals(0, ground.exit, ground.err + ground.out);
        assertTrue(ground.out.contains("  model     Youtu-VL: " + root + "/engine/src/test/resources/oracle/youtuvl/models/youtuvl-text-f16.gguf"),
                ground.out);

        Result half = run("--model", "x.gguf", "--dry-run");
        assertEquals(2, half.exit);
        assertTrue(half.err.contains("loupe-annotate: --mmproj is required with --model"), half.err);
    }

    /** {@code --conf-file} through submit.sh: the file's options apply, a flag on the command line wins, a bad key stops it. */
    @Test
    void aConfFileGivesOptionsAndTheCommandLineWins(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path conf = tmp.resolve("run.conf");
        Files.writeString(conf, "output " + tmp.resolve("from-file") + "\ntask ground\nprompt the cat\n");

        Result r = run("--conf-file", conf.toString(), "--output", tmp.resolve("from-flag").toString(), "--dry-run");

        assertEquals(0, r.exit, r.err + r.out);
        assertTrue(r.out.contains("  output    " + tmp.resolve("from-flag") + " does not exist"), r.out);
        assertTrue(r.out.contains("  model     Youtu-VL: "), "the file's task picks the demo that grounds: " + r.out);

        Files.writeString(conf, "ouptut x\n");
        Result bad = run("--conf-file", conf.toString(), "--dry-run");
        assertEquals(2, bad.exit);
        assertTrue(bad.err.contains("loupe-annotate: --conf-file " + conf + ": 'ouptut' is not an option of loupe-annotate"), bad.err);
    }

    /**
     * Logging through submit.sh's conf/log4j2.properties: Loupe's one INFO line per event and no
     * Spark INFO by default; {@code --verbose} brings Spark's back.
     */
    @Test
    void theConsoleGetsOneLinePerEventAndVerboseBringsSparksLoggingBack(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Result quiet = run("--output", tmp.resolve("quiet").toString(), "--max-tokens", "2");
        assertEquals(0, quiet.exit, quiet.err + quiet.out);
        assertTrue(quiet.err.contains(" INFO ModelCache: Loupe: loaded "), quiet.err);
        assertTrue(quiet.err.contains(" INFO AnnotationRun: Loupe: annotating 4 images into " + tmp.resolve("quiet") + " with "), quiet.err);
        assertTrue(quiet.err.contains(" INFO AnnotationRun: Loupe: annotated 4 images (0 errors) into " + tmp.resolve("quiet") + " in "), quiet.err);
        List<String> infos = quiet.err.lines().filter(l -> l.matches(".*\\d\\d:\\d\\d:\\d\\d INFO .*"))
                .filter(l -> !l.contains(" / 4 images (")).toList(); // progress lines, every 30 s: as many as the machine is slow
        assertEquals(3, infos.size(), "one line per event: " + infos);
        assertTrue(!quiet.err.contains(" INFO SparkContext: ") && !quiet.err.contains("SparkStringUtils"), quiet.err);

        Result verbose = run("--output", tmp.resolve("verbose").toString(), "--max-tokens", "2", "--verbose");
        assertEquals(0, verbose.exit, verbose.err + verbose.out);
        assertTrue(verbose.err.contains(" INFO SparkContext: Running Spark version "), verbose.err);
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(SUBMIT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LOUPE_NO_BUILD", "1"); // the build running this test has just made the jars
        pb.environment().remove("SPARK_HOME");
        Path err = Files.createTempFile("submit", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "submit.sh still running: " + command);
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), out, errText);
    }
}
