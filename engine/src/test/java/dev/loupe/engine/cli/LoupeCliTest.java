package dev.loupe.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LoupeCliTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final String TEXT = ORACLE.resolve("smolvlm/models/smolvlm-text-f16.gguf").toString();
    static final String MMPROJ = ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf").toString();

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CommandLine cl = LoupeCli.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void inspectPrintsMetadataAndTensors() {
        Run r = run("inspect", MMPROJ);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("54 tensors"), r.out());
        assertTrue(r.out().contains("clip.projector_type") && r.out().contains("\"idefics3\""), r.out());
        assertTrue(r.out().contains("v.patch_embd.weight") && r.out().contains("[16, 16, 3, 128]"), r.out());
    }

    @Test
    void tokenizeGivesLlamaCppIds() throws Exception {
        // tokenizer.json case "Hello world": llama_tokenize ids 89 118 524 128 465 333 1010.
        Run r = run("tokenize", "--ids-only", "-m", TEXT, "Hello world");
        assertEquals(0, r.exit(), r.err());
        assertEquals("89 118 524 128 465 333 1010", r.out().strip());
    }

    /** The greedy answer to the oracle's image0 case is llama.cpp's 16 tokens, decoded. */
    @Test
    void generateWithImageMatchesLlamaCppGreedyText() throws Exception {
        var manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ORACLE.resolve("smolvlm/manifest.json").toFile());
        var greedy = manifest.get("image_cases").get(0).get("greedy");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (var step : greedy) bytes.write(java.util.HexFormat.of().parseHex(step.get("piece_hex").asText()));
        String expected = new String(bytes.toByteArray(), StandardCharsets.UTF_8).strip();
        Run r = run("generate", "-m", TEXT, "--mmproj", MMPROJ, "--image", ORACLE.resolve("images/china.jpg").toString(),
                "-p", "Describe this image.", "-n", String.valueOf(greedy.size()), "-t", "2", "--numerics", "exact");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out().strip());
        assertTrue(r.err().contains("55 prompt positions, 16 generated"), r.err());
        assertTrue(r.err().contains("[loaded smolvlm-text-f16.gguf + smolvlm-mmproj-f16.gguf in "), "the load said before the answer: " + r.err());
    }

    @Test
    void errorsNameTheCulpritAndExitNonZero(@TempDir Path tmp) throws Exception {
        Run missing = run("generate", "-m", tmp.resolve("absent.gguf").toString(), "-p", "hi");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("absent.gguf") && missing.err().contains("no such file"), missing.err());

        Path corrupt = Files.write(tmp.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Run bad = run("generate", "-m", TEXT, "--mmproj", MMPROJ, "--image", corrupt.toString());
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("PNG") || bad.err().contains("image"), bad.err());

        Run alone = run("generate", "-m", TEXT, "--image", corrupt.toString());
        assertEquals(2, alone.exit());
        assertTrue(alone.err().contains("--mmproj and --image go together"), alone.err());
    }

    /** Boxes, masks, persons and depth maps print one line each after the answer, in original-image pixels. */
    @Test
    void structuredResultsPrintOneLineEach() {
        var text = new java.io.StringWriter();
        var a = new dev.loupe.engine.task.Annotation("detect", "p", "answer", java.util.List.of(new dev.loupe.engine.task.Annotation.Box("dog", 1, 2.5f, 30, 40, null)),
                null, null, java.util.List.of(new dev.loupe.engine.task.Annotation.Mask("dog", 4, 3, "52203")), 3, 4, 10, 2, "stop", null, null,
                java.util.List.of(new dev.loupe.engine.task.Annotation.Person(0, 0, 2, 3, java.util.List.of())),
                new dev.loupe.engine.task.Annotation.Depth(1, 2, new int[] {700, 12}));
        try (var out = new java.io.PrintWriter(text)) {
            GenerateCommand.printStructured(out, a);
        }
        assertEquals("box dog 1.0 2.5 30.0 40.0\nmask dog 3x4 52203\nperson 0.0 0.0 2.0 3.0, 0 keypoints\ndepth 2x1 cells, codes 12..700\n", text.toString().replace("\r", ""));
    }

    /**
     * classify prints the best label, then every candidate with its probability, most probable
     * first; candidates come from --labels and --labels-file (one per line, commas allowed).
     */
    @Test
    void classifyPrintsTheBestLabelAndTheDistribution(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("labels.txt"), "a red square\na cat, sitting\n");
        Run r = run("generate", "-m", TEXT, "--mmproj", MMPROJ, "--image", ORACLE.resolve("images/synth_1x1.png").toString(),
                "--task", "classify", "--labels", "cat,dog", "--labels-file", file.toString(), "--label-scoring", "mean", "-t", "2");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(5, lines.size(), r.out());
        double total = 0, previous = 1;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String line : lines.subList(1, 5)) {
            String[] parts = line.split(" ", 3);
            assertEquals("label", parts[0]);
            double p = Double.parseDouble(parts[1]);
            assertTrue(p <= previous, r.out());
            previous = p;
            total += p;
            seen.add(parts[2]);
        }
        assertEquals(java.util.Set.of("cat", "dog", "a red square", "a cat, sitting"), seen);
        assertEquals(1.0, total, 1e-3);
        assertEquals(lines.get(0), lines.get(1).split(" ", 3)[2], "the answer is the most probable label");
        assertTrue(r.err().contains("finish: scored"), r.err());

        Run none = run("generate", "-m", TEXT, "--mmproj", MMPROJ, "--image", ORACLE.resolve("images/synth_1x1.png").toString(), "--task", "classify");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("needs candidate labels"), none.err());
        Run notClassify = run("generate", "-m", TEXT, "--mmproj", MMPROJ, "--image", ORACLE.resolve("images/synth_1x1.png").toString(), "--labels", "a,b");
        assertEquals(2, notClassify.exit());
        assertTrue(notClassify.err().contains("--labels and --labels-file are for --task classify"), notClassify.err());
    }

    /** A structured task says on stderr what did not parse (a random-weight model's two tokens hold no box). */
    @Test
    void generateReportsWhatAStructuredAnswerLacked() {
        Run r = run("generate", "-m", ORACLE.resolve("youtuvl/models/youtuvl-text-f16.gguf").toString(), "--mmproj",
                ORACLE.resolve("youtuvl/models/youtuvl-mmproj-f16.gguf").toString(), "--image", ORACLE.resolve("images/synth_1x1.png").toString(),
                "--task", "ground", "-p", "the dot", "-n", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("[parse error: no <box> in the answer]"), r.err());
        assertTrue(!r.out().contains("box "), r.out());
    }

    /**
     * With room for a whole answer, grounding is constrained by default: the same random model's
     * answer is then a box; --constrain off leaves it unparsed, and a wrong mode is refused by name.
     */
    @Test
    void generateConstrainsStructuredAnswersByDefault() {
        String[] args = {"generate", "-m", ORACLE.resolve("youtuvl/models/youtuvl-text-f16.gguf").toString(), "--mmproj",
                ORACLE.resolve("youtuvl/models/youtuvl-mmproj-f16.gguf").toString(), "--image", ORACLE.resolve("images/synth_1x1.png").toString(),
                "--task", "ground", "-p", "the dot", "-n", "16"};
        Run constrained = run(args);
        assertEquals(0, constrained.exit(), constrained.err());
        assertTrue(constrained.out().contains("box "), constrained.out());
        assertTrue(!constrained.err().contains("parse error"), constrained.err());
        Run free = run(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--constrain", "off")).toArray(String[]::new));
        assertTrue(free.err().contains("[parse error: "), free.err());
        Run wrong = run(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--constrain", "maybe")).toArray(String[]::new));
        assertEquals(2, wrong.exit());
        assertTrue(wrong.err().contains("--constrain must be on, off, auto, got 'maybe'"), wrong.err());
    }

    @Test
    void benchRefusesAnEncoderItCannotTimeBeforeTimingTheText(@TempDir Path tmp) {
        Path gemmaMmproj = tmp.resolve("gemma-mmproj.gguf");
        new GgufWriter().put("general.architecture", GgufValue.ofString("clip"))
                .put("clip.projector_type", GgufValue.ofString("gemma3")).write(gemmaMmproj);
        Run r = run("bench", "-m", TEXT, "--mmproj", gemmaMmproj.toString(), "--pp", "512", "-r", "5");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("gemma-mmproj.gguf") && r.err().contains("projector gemma3 cannot be timed"), r.err());
        assertEquals("", r.out(), "nothing was measured");
    }

    /** --pp 0 skips prompt processing as llama-bench -p 0 does; a negative count is refused by name. */
    @Test
    void benchSkipsAZeroCountAndRefusesANegativeOne() {
        Run r = run("bench", "-m", TEXT, "--pp", "0", "--tg", "2", "--batch", "2", "-r", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"tg2_tps\"") && r.out().contains("\"batched_tps_b2\"") && !r.out().contains("pp0"), r.out());
        // Progress on stderr as each figure is measured (issue 19); stdout stays one JSON line.
        assertTrue(r.err().contains("bench: loading ") && r.err().contains("bench: loaded in "), r.err());
        assertTrue(r.err().matches("(?s).*bench: tg2_tps \\d+\\.\\d{3} \\(1 of 2\\)\n.*bench: batched_tps_b2 \\d+\\.\\d{3} \\(2 of 2\\)\n.*"), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        Run negative = run("bench", "-m", TEXT, "--tg", "-3");
        assertEquals(2, negative.exit());
        assertTrue(negative.err().contains("--tg -3: counts must be >= 0"), negative.err());
        Run zeroBatch = run("bench", "-m", TEXT, "--batch", "4,0");
        assertEquals(2, zeroBatch.exit());
        assertTrue(zeroBatch.err().contains("--batch 0"), zeroBatch.err());
    }

    /** Qwen3-VL's encoder is timed on a 512x512 image (the oracle's tiny models: decoder-only text, mmproj). */
    @Test
    void benchTimesTheQwen3VlEncoder() {
        Path q = ORACLE.resolve("qwen3vl/models");
        Run r = run("bench", "-m", q.resolve("qwen3vl-text-f16-decoder-only.gguf").toString(), "--mmproj",
                q.resolve("qwen3vl-mmproj-f16.gguf").toString(), "--pp", "4", "--tg", "2", "--batch", "1", "--depth", "0", "-r", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s).*\"image_encode_s\": ?[0-9.]+.*"), r.out());
    }

    /** Both runs caption the same images with the same exact decoding: the same tokens, in less time batched or not. */
    @Test
    void benchAnnotateComparesOneAtATimeWithBatchedRows() throws Exception {
        Run r = run("bench-annotate", "-m", TEXT, "--mmproj", MMPROJ, "--images", "3", "--image-size", "64", "--max-tokens", "5",
                "--batch", "2", "-t", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals(3, json.get("images").asInt());
        assertEquals(json.get("one_at_a_time_generated_tokens").asLong(), json.get("batched_generated_tokens").asLong());
        for (String run : new String[] {"one_at_a_time", "batched"}) {
            assertTrue(json.get(run + "_images_per_hour").asDouble() > 0, r.out());
            assertTrue(json.get(run + "_encode_s").asDouble() > 0 && json.get(run + "_prefill_s").asDouble() > 0, r.out());
        }
    }

    /** Several tasks per image: the same rows both ways (the same tokens), both timed by stage. */
    @Test
    void benchAnnotateComparesSeparateTaskRowsWithOneEncode() throws Exception {
        Run r = run("bench-annotate", "-m", TEXT, "--mmproj", MMPROJ, "--images", "2", "--image-size", "64", "--max-tokens", "4",
                "--tasks", "caption,count,classify", "-t", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals("caption,count,classify", json.get("tasks").asText());
        assertEquals(json.get("separate_generated_tokens").asLong(), json.get("one_encode_generated_tokens").asLong());
        for (String run : new String[] {"separate", "one_encode"}) {
            assertTrue(json.get(run + "_encode_s").asDouble() > 0 && json.get(run + "_prefill_s").asDouble() > 0, r.out());
        }
    }

    @Test
    void oracleCheckPrintsOneLinePerCaseAndACount() {
        Run r = run("oracle-check", ORACLE.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getLast().matches("\\d+ passed, 0 failed, \\d+ skipped"), lines.getLast());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("smolvlm/image0 ") && l.contains("PASS")), r.out());
    }
}
