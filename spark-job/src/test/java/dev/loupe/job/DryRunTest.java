package dev.loupe.job;

import static dev.loupe.job.AnnotateJobTest.DEMO;
import static dev.loupe.job.AnnotateJobTest.SAMPLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dry-run} on good and bad inputs: it finds what the job would stop on, prints the plan, and starts no Spark. */
class DryRunTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out) {}

    private Run dryRun(String... args) {
        boolean sessionBefore = SparkSession.getDefaultSession().isDefined();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--dry-run");
        StringWriter out = new StringWriter();
        int exit = AnnotateJob.commandLine(DEMO).setOut(new PrintWriter(out)).setErr(new PrintWriter(out)).execute(all.toArray(String[]::new));
        assertEquals(sessionBefore, SparkSession.getDefaultSession().isDefined(), "a dry run starts no SparkSession");
        return new Run(exit, out.toString());
    }

    @Test
    void theDemoWouldStartAndItsPlanSaysWhatAndHowMuchMemory() {
        Path out = tmp.resolve("out");

        Run r = dryRun("--output", out.toString());

        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("model     SmolVLM (llama + idefics3): " + DEMO.model() + " + " + DEMO.mmproj()), r.out);
        assertTrue(r.out.contains("its tasks: caption, vqa, count, ocr, classify"), r.out);
        assertTrue(r.out.contains("input     " + DEMO.input() + ": 4 image files"), r.out);
        assertTrue(r.out.contains("output    " + out + " does not exist: the job creates it"), r.out);
        // The demo SmolVLM: 2 layers x 2 KV heads x 64 wide, keys and values in F32 = 2 KB a position; its 256-px
        // longest edge in 128-px tiles is 2 x 2 + overview = 5 tiles of 4 tokens and 3 markers = 35 positions.
        assertTrue(r.out.contains("KV cache     2.0 KB per position x (35 image positions [longest edge 256 px in 128 px tiles: "
                + "2 x 2 + overview = 5 tiles x (4 tokens + 3 markers)] + 64 prompt + 128 generated) = 454.0 KB per row"), r.out);
        assertTrue(r.out.contains("x 8 rows the executor's batch scheduler decodes together (--max-batch auto) = 3.5 MB"), r.out);
        assertTrue(r.out.contains("loupe dry-run: OK, the job would start."), r.out);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aTableInputIsReadForItsColumnsAndRowsAndAMissingColumnNamed() throws Exception {
        Path table = Files.createDirectories(tmp.resolve("table"));
        Files.writeString(table.resolve("requests.jsonl"), """
                {"file": "%s", "question": "what is it?"}
                {"file": "%s"}
                """.formatted(SAMPLES.resolve("china.jpg"), SAMPLES.resolve("chelsea.png")));

        Run ok = dryRun("--input", table.toString(), "--image-column", "file", "--prompt-column", "question", "--output", tmp.resolve("o").toString());
        assertEquals(0, ok.exit, ok.out);
        assertTrue(ok.out.contains("input     " + table + ": json table, 2 rows, columns file, question"), ok.out);

        Run missing = dryRun("--input", table.toString(), "--output", tmp.resolve("o").toString());
        assertEquals(2, missing.exit, missing.out);
        assertTrue(missing.out.contains("  - input: --input has no column image (its columns: file, question)"), missing.out);
    }

    @Test
    void aParquetTableIsReadFromItsFooters() throws Exception {
        org.apache.avro.Schema schema = org.apache.avro.SchemaBuilder.record("r").fields()
                .requiredString("image").optionalString("task").endRecord();
        Path table = Files.createDirectories(tmp.resolve("parquet"));
        for (int part = 0; part < 2; part++) {
            try (var w = org.apache.parquet.avro.AvroParquetWriter.<org.apache.avro.generic.GenericRecord>builder(
                    new org.apache.parquet.io.LocalOutputFile(table.resolve("part-" + part + ".parquet"))).withSchema(schema).build()) {
                for (int i = 0; i < 3; i++) {
                    w.write(new org.apache.avro.generic.GenericRecordBuilder(schema).set("image", SAMPLES.resolve("china.jpg").toString()).build());
                }
            }
        }

        Run r = dryRun("--input", table.toString(), "--task-column", "task", "--output", tmp.resolve("o").toString());

        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("input     " + table + ": parquet table, 6 rows, columns image, task"), r.out);
        assertTrue(r.out.contains("task      caption (rows without a task)"), r.out);
    }

    @Test
    void aMissingModelIsNamed() {
        Path nowhere = tmp.resolve("nowhere.gguf");

        Run r = dryRun("--model", nowhere.toString(), "--mmproj", DEMO.mmproj().toString(), "--output", tmp.resolve("o").toString());

        assertEquals(2, r.exit, r.out);
        assertTrue(r.out.contains("loupe dry-run: the job would stop:\n  - model: " + nowhere + ": model file does not exist"), r.out);
        assertTrue(r.out.contains("input     " + DEMO.input() + ": 4 image files"), "the other checks still run: " + r.out);
    }

    @Test
    void aTaskTheFamilyRefusesIsNamedWithWhatItDoes() {
        Run r = dryRun("--model", DEMO.model().toString(), "--mmproj", DEMO.mmproj().toString(), "--task", "segment", "--prompt", "the cat",
                "--output", tmp.resolve("o").toString());

        assertEquals(2, r.exit, r.out);
        assertTrue(r.out.contains("  - task: task 'segment' needs a model trained for it (Youtu-VL); SmolVLM (llama + idefics3) is not "
                + "(it does caption, vqa, count, ocr, classify); every row would fail"), r.out);

        Run several = dryRun("--model", DEMO.model().toString(), "--mmproj", DEMO.mmproj().toString(), "--tasks", "caption,segment,ocr",
                "--prompt", "the cat", "--output", tmp.resolve("o").toString());
        assertEquals(2, several.exit, several.out);
        assertTrue(several.out.contains("  - task: task 'segment' needs a model trained for it"), several.out);
        assertTrue(several.out.lines().filter(l -> l.startsWith("  - ")).count() == 1, "caption and ocr are fine: " + several.out);
    }

    @Test
    void aTaskWithoutWhatItNeedsIsNamed() {
        Run ground = dryRun("--task", "ground", "--output", tmp.resolve("o").toString());
        assertEquals(2, ground.exit, ground.out);
        assertTrue(ground.out.contains("  - prompt: task 'ground' needs a prompt"), ground.out);

        Run classify = dryRun("--task", "classify", "--output", tmp.resolve("o").toString());
        assertEquals(2, classify.exit, classify.out);
        assertTrue(classify.out.contains("  - labels: task 'classify' needs candidate labels"), classify.out);
    }

    @Test
    void anEmptyInputDirectoryIsNamed() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "not an image");

        Run r = dryRun("--input", empty.toString(), "--output", tmp.resolve("o").toString());

        assertEquals(2, r.exit, r.out);
        assertTrue(r.out.contains("  - input: --input " + empty + " holds no image files"), r.out);
    }

    @Test
    void anOutputItCannotWriteOrWouldRefuseIsNamed() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Run under = dryRun("--output", file.resolve("out").toString());
        assertEquals(2, under.exit, under.out);
        assertTrue(under.out.contains("  - output: --output " + file.resolve("out") + ": " + file + " is a file, not a directory"), under.out);

        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Run refused = dryRun("--output", existing.toString());
        assertEquals(2, refused.exit, refused.out);
        assertTrue(refused.out.contains("  - output: --output " + existing + " already exists and --mode is error"), refused.out);

        Run replaced = dryRun("--output", existing.toString(), "--mode", "overwrite");
        assertEquals(0, replaced.exit, replaced.out);
        assertTrue(replaced.out.contains("output    " + existing + " exists: --mode overwrite replaces it"), replaced.out);
    }

    @Test
    void aYoutuVlWithoutAnImageTokenCapIsEstimatedAtTheModelsCap() {
        Run r = dryRun("--task", "ground", "--prompt", "the cat", "--output", tmp.resolve("o").toString(), "--max-image-tokens", "256",
                "--max-tokens", "32", "--max-batch", "2");

        assertEquals(0, r.exit, r.out);
        // The tiny Youtu-VL: 2 layers x (512 latent + 64 RoPE) floats = 4.5 KB a position.
        assertTrue(r.out.contains("KV cache     4.5 KB per position x (256 image positions [--max-image-tokens 256] + 64 prompt + 32 generated)"
                + " = 1.5 MB per row"), r.out);
        assertTrue(r.out.contains("x 2 rows the executor's batch scheduler decodes together (--max-batch 2) = 3.1 MB"), r.out);
    }
}
