package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on this machine, from the build's own jars: a Master and two
 * Workers (one core each) started from the Spark home that {@code submit.sh --spark-home}
 * assembles, and the annotate job submitted with {@code submit.sh --master spark://...}, i.e.
 * SparkSubmit with the shaded job jar, on the real engine and the demo SmolVLM.
 *
 * <p>Mid-job, one executor JVM is killed. The job must still finish; every image must be in the
 * output once; the rows, sampled at temperature 0.8, must equal local mode's row for row (so the
 * retried tasks wrote what the first attempts would have); and every executor JVM, the killed
 * one and its replacement included, must have loaded the model exactly once. Speculative
 * execution is on throughout.
 *
 * <p>On the same cluster, the eval job ({@code submit.sh eval}) then runs the oracle's tiny
 * Youtu-VL on sample-data/refcoco-sample, grounding and segmentation: its per-sample rows and
 * metrics must equal local mode's.
 *
 * <p>Everything binds to 127.0.0.1; every process started here is killed at the end, whatever
 * happens (see {@link ChildProcesses}).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StandaloneClusterIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    static final Path MODEL = ROOT.resolve("sample-data/models/smolvlm-text-q8_0.gguf");
    static final Path MMPROJ = ROOT.resolve("sample-data/models/smolvlm-mmproj-f16.gguf");
    static final int IMAGES = 12;
    static final Path YOUTU = ROOT.resolve("engine/src/test/resources/oracle/youtuvl/models");
    /** The eval job's arguments but --output: the sample, the tiny Youtu-VL, few tokens. */
    static final List<String> EVAL_ARGS = List.of("--dataset", ROOT.resolve("sample-data/refcoco-sample").toString(),
            "--model", YOUTU.resolve("youtuvl-text-f16.gguf").toString(), "--mmproj", YOUTU.resolve("youtuvl-mmproj-f16.gguf").toString(),
            "--max-tokens", "8", "--max-image-tokens", "64", "--partitions", "3");

    @TempDir
    Path tmp;

    @Test
    void theJobSurvivesAKilledExecutorAndWritesLocalModesRowsWithOneModelLoadPerExecutorJvm() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (int i = 0; i < IMAGES; i++) {
            BufferedImage img = new BufferedImage(40 + 8 * i, 30 + 5 * i, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, (x * 31 + y * 17 + i * 1000) & 0xffffff);
            ImageIO.write(img, "png", in.resolve(String.format("img%02d.png", i)).toFile());
        }
        // The mmproj as a file: URI, which every node maps where it is.
        List<String> jobArgs = List.of("--input", in.toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toUri().toString(),
                "--max-tokens", "4", "--max-longest-edge", "128", "--temperature", "0.8", "--seed", "11", "--partitions", String.valueOf(IMAGES));
        Path out = tmp.resolve("cluster-out");
        Path evalOut = tmp.resolve("cluster-eval");

        long started = System.nanoTime();
        try (ChildProcesses processes = new ChildProcesses(Files.createDirectories(tmp.resolve("logs")), Duration.ofMinutes(8))) {
            Path sparkHome = Path.of(run(List.of(ROOT.resolve("submit.sh").toString(), "--spark-home")).strip());
            Map<String, String> env = Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13",
                    "SPARK_LOCAL_IP", "127.0.0.1", "JAVA_HOME", JAVA.getParent().getParent().toString(), "LOUPE_NO_BUILD", "1");
            String classpath = sparkHome.resolve("conf") + ":" + sparkHome.resolve("jars") + "/*";

            int masterPort = freePort();
            int masterUi = freePort();
            processes.start("master", List.of(JAVA.toString(), "-Xmx256m", "-Dspark.master.rest.enabled=false", "-cp", classpath,
                    "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(masterPort),
                    "--webui-port", String.valueOf(masterUi)), tmp, env);
            List<ChildProcesses.Child> workers = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Path workDir = Files.createDirectories(tmp.resolve("worker" + i));
                workers.add(processes.start("worker" + i, List.of(JAVA.toString(), "-Xmx256m", "-cp", classpath,
                        "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                        "--webui-port", String.valueOf(freePort()), "--work-dir", workDir.toString(),
                        "spark://127.0.0.1:" + masterPort), tmp, env));
            }
            await(Duration.ofSeconds(90), () -> aliveWorkers(masterUi) == 2, "two workers registered", processes);

            Map<String, String> submitEnv = new HashMap<>(env);
            submitEnv.remove("SPARK_HOME"); // submit.sh's own path for spark://: no distribution, its assembled home
            Path driverLogging = Path.of(StandaloneClusterIT.class.getResource("/cluster-driver-log4j2.properties").toURI());
            submitEnv.put("LOUPE_JAVA_OPTS", "-Dlog4j2.configurationFile=file:" + driverLogging);
            submitEnv.put("LOUPE_SUBMIT_OPTS", String.join(" ", "--conf spark.executor.memory=512m", "--conf spark.ui.enabled=false",
                    "--conf spark.speculation=true", "--conf spark.speculation.interval=200ms", "--conf spark.speculation.quantile=0.5",
                    "--conf spark.speculation.multiplier=2", "--conf spark.speculation.minTaskRuntime=1s"));
            List<String> submit = new ArrayList<>(List.of(ROOT.resolve("submit.sh").toString(), "--master", "spark://127.0.0.1:" + masterPort,
                    "--output", out.toString()));
            submit.addAll(jobArgs);
            ChildProcesses.Child driver = processes.start("driver", submit, ROOT, submitEnv);

            // Kill once both executors have loaded the model and a first task has committed: the
            // victim is then busy with one of the many tasks left.
            Path[] workDirs = {tmp.resolve("worker1"), tmp.resolve("worker2")};
            await(Duration.ofSeconds(150), () -> loadLinesPerExecutor(workDirs).values().stream().filter(n -> n > 0).count() == 2
                    && !partFiles(out).isEmpty(), "two executors with the model and a first committed task", processes);
            long killedAt = System.nanoTime();
            List<ProcessHandle> running = executors(workers);
            assertEquals(2, running.size(), "one executor per worker");
            ProcessHandle victim = running.get(0);
            String victimId = executorId(victim);
            String survivorId = executorId(running.get(1));
            victim.destroyForcibly();
            victim.onExit().get(30, TimeUnit.SECONDS);

            assertTrue(driver.process().waitFor(180, TimeUnit.SECONDS), "the job finished\n" + processes.logTails());
            System.err.printf("StandaloneClusterIT: cluster up and first task committed after %.1f s, job done %.1f s after the kill%n",
                    (killedAt - started) / 1e9, (System.nanoTime() - killedAt) / 1e9);
            long speculative = driver.logText().lines().filter(l -> l.contains("speculative")).count();
            System.err.println("StandaloneClusterIT: scheduler lines about speculative attempts: " + speculative);
            assertEquals(0, driver.process().exitValue(), "the job succeeded despite the lost executor\n" + processes.logTails());
            List<String> retried = retriedTasksOf(victimId, driver.logText());
            assertFalse(retried.isEmpty(), "a task of executor " + victimId + " was lost and run again\n" + driver.logTail());

            // Each executor JVM loaded the model once: the killed one and the survivor for sure, the
            // replacement if a task reached it before the job ended (else it has no load at all).
            Map<String, Integer> loadLines = loadLinesPerExecutor(workDirs);
            assertEquals(1, loadLines.get(victimId), "model loads logged by the killed executor " + victimId + ": " + loadLines);
            assertTrue(loadLines.values().stream().filter(n -> n == 1).count() >= 2, "the killed executor and the survivor: " + loadLines);
            for (var e : loadLines.entrySet()) assertTrue(e.getValue() <= 1, "model loads in the log of executor " + e.getKey() + ": " + loadLines);

            JsonNode summary = new ObjectMapper().readTree(out.resolve(SummaryFile.NAME).toFile());
            // The accumulator hears from executors whose tasks succeeded: the survivor surely, the
            // others if they finished a task before they died or the job ended.
            JsonNode loads = summary.get("this_run").get("model_loads_by_executor");
            assertEquals(1, loads.path(survivorId).asInt(), "accumulated loads of the survivor " + survivorId + ": " + loads);
            loads.properties().forEach(e -> assertEquals(loadLines.get(e.getKey()), e.getValue().asInt(), "accumulated loads of executor " + e.getKey()));
            assertEquals(IMAGES, summary.get("this_run").get("images").asLong(), "failed and speculative attempts are not counted");

            long evalStart = System.nanoTime();
            List<String> eval = new ArrayList<>(List.of(ROOT.resolve("submit.sh").toString(), "eval", "--master", "spark://127.0.0.1:" + masterPort,
                    "--output", evalOut.toString()));
            eval.addAll(EVAL_ARGS);
            ChildProcesses.Child evalDriver = processes.start("eval-driver", eval, ROOT, submitEnv);
            assertTrue(evalDriver.process().waitFor(180, TimeUnit.SECONDS), "the eval job finished\n" + processes.logTails());
            assertEquals(0, evalDriver.process().exitValue(), "the eval job succeeded\n" + processes.logTails());
            System.err.printf("StandaloneClusterIT: eval job on the cluster %.1f s%n", (System.nanoTime() - evalStart) / 1e9);
        }

        SparkSession spark = SparkSession.builder().master("local[2]").appName("loupe-local-reference")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Path local = tmp.resolve("local-out");
            List<String> localArgs = new ArrayList<>(jobArgs);
            localArgs.addAll(List.of("--output", local.toString()));
            AnnotateJob.run(spark, AnnotateJobTest.options(localArgs.toArray(String[]::new)));

            List<Row> clusterRows = rows(spark, out);
            assertEquals(IMAGES, clusterRows.size(), "every image once");
            assertEquals(IMAGES, clusterRows.stream().map(r -> r.getString(0)).distinct().count(), "no image twice");
            assertTrue(clusterRows.stream().allMatch(r -> r.isNullAt(r.fieldIndex("error"))), "no row failed: " + clusterRows);
            assertEquals(rows(spark, local), clusterRows, "the cluster wrote local mode's rows");

            Path localEval = tmp.resolve("local-eval");
            List<String> localEvalArgs = new ArrayList<>(EVAL_ARGS);
            localEvalArgs.addAll(List.of("--output", localEval.toString()));
            dev.loupe.job.eval.EvalJobs.run(spark, localEvalArgs);
            assertEquals(evalRows(spark, localEval), evalRows(spark, evalOut), "the cluster scored local mode's samples");
            assertEquals(12, evalRows(spark, evalOut).size(), "every expression of the sample once");
            ObjectMapper json = new ObjectMapper();
            JsonNode clusterSummary = json.readTree(evalOut.resolve("summary.json").toFile()), localSummary = json.readTree(localEval.resolve("summary.json").toFile());
            assertEquals(localSummary.get("rec"), clusterSummary.get("rec"));
            assertEquals(localSummary.get("res"), clusterSummary.get("res"));
            assertEquals(12, clusterSummary.at("/rec/overall/samples").asLong());
            assertEquals(7, clusterSummary.at("/res/overall/samples").asLong());
        } finally {
            spark.stop();
        }
    }

    /**
     * Partitions whose first attempt ran on {@code executorId}, failed with it and was started
     * again, from the scheduler's lines in the driver log (1 image per partition here).
     */
    private static List<String> retriedTasksOf(String executorId, String driverLog) {
        List<String> retried = new ArrayList<>();
        Matcher started = Pattern.compile("Starting task (\\d+)\\.0 in stage \\S+ \\(TID \\d+\\) \\(127\\.0\\.0\\.1, ?executor " + executorId + ",").matcher(driverLog);
        while (started.find()) {
            String p = started.group(1);
            // WARN "Lost task 3.0 ... ExecutorLostFailure", or INFO "task 3.0 ... failed because while it
            // was being computed, its executor exited", as Spark judges the exit caused by the task or not.
            boolean lost = Pattern.compile("(Lost task " + p + "\\.0 in stage|task " + p + "\\.0 in stage \\S+ \\(TID \\d+\\) failed because)").matcher(driverLog).find();
            boolean again = Pattern.compile("Starting task " + p + "\\.1 in stage").matcher(driverLog).find();
            if (lost && again) retried.add(p);
        }
        return retried;
    }

    /** Every column but the timing, by image id. */
    private static List<Row> rows(SparkSession spark, Path output) {
        return spark.read().parquet(output.toString()).drop("seconds", "encode_seconds", "prefill_seconds", "decode_seconds").orderBy("image_id").collectAsList();
    }

    private static List<Row> evalRows(SparkSession spark, Path output) {
        return spark.read().parquet(output.resolve("samples").toString()).orderBy("sample_id").collectAsList();
    }

    private static List<Path> partFiles(Path out) {
        if (!Files.isDirectory(out)) return List.of();
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
        } catch (IOException e) {
            return List.of(); // listed while Spark creates or renames: try again
        }
    }

    /** The executor JVMs the workers launched. */
    private static List<ProcessHandle> executors(List<ChildProcesses.Child> workers) {
        List<ProcessHandle> found = new ArrayList<>();
        for (ChildProcesses.Child w : workers) {
            w.process().descendants().filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).forEach(found::add);
        }
        assertFalse(found.isEmpty(), "no executor JVM under the workers");
        return found;
    }

    private static String executorId(ProcessHandle executor) {
        Matcher m = Pattern.compile("--executor-id (\\S+)").matcher(executor.info().commandLine().orElse(""));
        assertTrue(m.find(), "executor command line without --executor-id: " + executor.info());
        return m.group(1);
    }

    /** "Loupe: loaded" lines per executor id, from each executor's stderr in the workers' work dirs (app-id/executor-id/stderr). */
    private static Map<String, Integer> loadLinesPerExecutor(Path... workDirs) {
        Map<String, Integer> lines = new TreeMap<>();
        for (Path dir : workDirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path stderr : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                    long n = Files.readAllLines(stderr).stream().filter(l -> l.contains("Loupe: loaded")).count();
                    lines.merge(stderr.getParent().getFileName().toString(), (int) n, Integer::sum);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return lines;
    }

    private static int aliveWorkers(int masterUi) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return Optional.ofNullable(new ObjectMapper().readTree(r.body()).get("aliveworkers")).map(JsonNode::asInt).orElse(0);
        } catch (IOException e) {
            return 0; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void await(Duration limit, BooleanSupplier condition, String what, ChildProcesses processes) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            for (ChildProcesses.Child c : processes.all()) {
                assertTrue(c.process().isAlive(), c.name() + " exited while waiting for " + what + "\n" + processes.logTails());
            }
            assertTrue(System.nanoTime() < end, "no " + what + " within " + limit + "\n" + processes.logTails());
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs a short command to its end and returns its stdout; fails with its output if it fails. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LOUPE_NO_BUILD", "1"); // the build that runs this test has just made the jars
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes());
        String stderr = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + command);
        assertEquals(0, p.exitValue(), command + " failed:\n" + stderr + stdout);
        return stdout;
    }
}
