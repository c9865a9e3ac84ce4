package dev.loupe.job.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.cli.LoupeCli;
import dev.loupe.engine.merge.OutputType;
import dev.loupe.engine.merge.TensorReport;
import dev.loupe.engine.merge.TinyMergePair;
import dev.loupe.udf.LocalAsRemoteFileSystem;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark merge job on the tiny pair: the same bytes as {@code loupe merge}, and a re-run resumes from the work directory. */
class MergeJobTest {
    @TempDir static Path dir;
    static SparkSession spark;
    static Path text;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-merge-test").config("spark.ui.enabled", "false")
                // A "remote" file system (testremote:///path is the local /path): inputs and work directory as on HDFS.
                .config("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl", LocalAsRemoteFileSystem.class.getName())
                .config("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl.disable.cache", "true")
                .config("spark.loupe.modelCacheDir", dir.resolve("model-cache").toString())
                .getOrCreate();
        text = TinyMergePair.writeTextModel(dir.resolve("tiny-qwen3.gguf"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void jobWritesTheCliBytesAndResumes() throws Exception {
        Path cli = dir.resolve("cli.gguf"), job = dir.resolve("job.gguf");
        assertEquals(0, LoupeCli.run("merge", "--vision=" + TinyMergePair.VISION, "--text=" + text, "--out=" + cli, "--type=Q8_0", "--threads=2"));

        // The vision model as a local path, the text model and the work directory on a "remote" file system.
        Path workDir = dir.resolve("work");
        String work = LocalAsRemoteFileSystem.uri(workDir), remoteText = LocalAsRemoteFileSystem.uri(text);
        StringWriter log = new StringWriter();
        MergeJob.Outcome first = MergeJob.run(spark, TinyMergePair.VISION.toString(), remoteText, job, OutputType.Q8_0, work, true,
                new PrintWriter(log, true));
        assertEquals(28, first.mergedNow());
        assertEquals(0, first.reused());
        assertArrayEquals(Files.readAllBytes(cli), Files.readAllBytes(job), "merge job and loupe merge wrote different bytes");
        TensorReport q = first.report().tensors().stream().filter(t -> t.name().equals("blk.0.attn_q.weight")).findFirst().orElseThrow();
        assertEquals(2, q.k());
        assertTrue(log.toString().contains("blk.0.attn_q.weight"), log.toString());

        // A re-run finds every tensor in the work directory: nothing merged again, the same file, and the directory goes.
        Files.delete(job);
        MergeJob.Outcome second = MergeJob.run(spark, TinyMergePair.VISION.toString(), remoteText, job, OutputType.Q8_0, work, false,
                new PrintWriter(new StringWriter()));
        assertEquals(0, second.mergedNow());
        assertEquals(28, second.reused());
        assertArrayEquals(Files.readAllBytes(cli), Files.readAllBytes(job));
        assertTrue(Files.notExists(workDir));
        // The remote text model was copied to this node's model cache, once.
        try (var files = Files.walk(dir.resolve("model-cache"))) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().equals("tiny-qwen3.gguf")).count());
        }
    }

    @Test
    void partsOfAnotherMergeAreRefused() {
        String work = dir.resolve("work-other").toString();
        new TensorResults(work, new org.apache.hadoop.conf.Configuration()).claim("vision other.gguf 1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MergeJob.run(spark, TinyMergePair.VISION.toString(),
                text.toString(), dir.resolve("x.gguf"), OutputType.F16, work, false, new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("holds the parts of another merge"), e.getMessage());
    }

    @Test
    void aPairThatDoesNotMatchFailsBeforeAnyTask() {
        // The vision model against the oracle's mmproj: nothing pairs.
        Path mmproj = TinyMergePair.VISION.resolveSibling("qwen3vl-mmproj-f16.gguf");
        Exception e = assertThrows(RuntimeException.class, () -> MergeJob.run(spark, TinyMergePair.VISION.toString(), mmproj.toString(),
                dir.resolve("y.gguf"), OutputType.F16, dir.resolve("work-y").toString(), false, new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("no tensor of it pairs"), e.getMessage());
    }
}
