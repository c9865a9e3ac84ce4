package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.udf.LocalAsRemoteFileSystem;
import dev.loupe.udf.ModelCache;
import dev.loupe.udf.ModelKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The annotate job with the real engine on the oracle's tiny SmolVLM (F16 text model + F16
 * mmproj): with exact numerics the captions written to Parquet are llama.cpp's greedy
 * continuations, token for token, and the model is loaded once for all tasks of the JVM. The
 * other tests run the default, fast numerics.
 */
class RealEngineAnnotateJobTest {
    static final Path ORACLE = Path.of("..", "engine", "src", "test", "resources", "oracle").toAbsolutePath().normalize();
    static final Path MODEL = ORACLE.resolve("smolvlm/models/smolvlm-text-f16.gguf");
    static final Path MMPROJ = ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf");

    private static SparkSession spark;
    private static Path MODEL_CACHE;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        MODEL_CACHE = Files.createTempDirectory("loupe-model-cache");
        spark = SparkSession.builder().master("local[2]").appName("loupe-real-engine-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                // A "remote" file system (testremote:///path is the local /path) for the model-shipping test.
                .config("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl", LocalAsRemoteFileSystem.class.getName())
                .config("spark.hadoop.fs." + LocalAsRemoteFileSystem.SCHEME + ".impl.disable.cache", "true")
                .config("spark.loupe.modelCacheDir", MODEL_CACHE.toString())
                .getOrCreate();
    }

    @AfterAll
    static void stop() throws Exception {
        spark.stop();
        try (var files = Files.walk(MODEL_CACHE)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void captionsAreLlamaCppsGreedyContinuations() throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(ORACLE.resolve("smolvlm/manifest.json").toFile());
        JsonNode china = manifest.get("image_cases").get(0);
        assertEquals("china.jpg", china.get("image").asText());
        assertEquals("Describe this image.", china.get("prompt").asText(), "the caption task's default prompt");

        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china.jpg"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china-again.jpg"));
        Files.write(in.resolve("zero.png"), new byte[0]);
        Path out = tmp.resolve("out");
        int steps = china.get("greedy").size();

        JobSummary summary = AnnotateJob.run(spark, AnnotateJobTest.options("--input", in.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", String.valueOf(steps),
                "--partitions", "3", "--numerics", "exact"));

        assertEquals(3, summary.rows());
        assertEquals(1, summary.errors());
        Map<String, GenericRecord> byFile = new HashMap<>();
        for (GenericRecord r : AnnotateJobTest.readWithAvsc(out)) {
            String id = r.get("image_id").toString();
            byFile.put(id.substring(id.lastIndexOf('/') + 1), r);
        }
        String expected = greedyText(china.get("greedy"));
        for (String name : new String[] {"china.jpg", "china-again.jpg"}) {
            GenericRecord r = byFile.get(name);
            assertNull(r.get("error"), name);
            assertEquals(expected, r.get("text").toString(), name);
            assertEquals(640, r.get("image_width"));
            assertEquals(427, r.get("image_height"));
            assertEquals(china.get("n_past_after_prompt").asInt(), r.get("prompt_tokens"));
            assertEquals(steps, r.get("generated_tokens"));
            assertEquals("length", r.get("finish_reason").toString());
        }
        assertTrue(byFile.get("zero.png").get("error").toString().contains("0 bytes"), byFile.get("zero.png").get("error").toString());

        ModelKey key = new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 0, Numerics.EXACT);
        assertEquals(1, ModelCache.shared().loadCount(key), "one load for all tasks of this JVM");
    }

    @Test
    void sampledCaptionsDependOnTheImageIdAndTheSeedNotOnTheTaskThatRunsThem() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china.jpg"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china-again.jpg"));
        Map<String, String> oneTask = captions(in, tmp.resolve("one"), "1");
        Map<String, String> twoTasks = captions(in, tmp.resolve("two"), "2");

        assertEquals(oneTask, twoTasks, "same seed, same ids: the same tokens, whichever task samples them");
        assertEquals(2, oneTask.size());
        assertNotEquals(oneTask.get("china.jpg"), oneTask.get("china-again.jpg"), "same image, other id: sampled with another seed");
    }

    @Test
    void aMaxLongestEdgeLoadsAModelOfItsOwnThatSeesFewerTiles() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china.jpg"));
        // The tiny mmproj tiles 128-pixel squares and scales images to a longest edge of 256:
        // 2 x 2 tiles and an overview. Capped at 128, a 1 x 1 grid and the overview: three tiles
        // fewer (each 2 marker tokens + 4 embeddings) and one row break fewer.
        int full = promptTokens(in, tmp.resolve("full"));
        int capped = promptTokens(in, tmp.resolve("capped"), "--max-longest-edge", "128");

        assertEquals(full - 3 * (2 + 4) - 1, capped, "prompt tokens with the cap; without: " + full);
        assertEquals(1, ModelCache.shared().loadCount(new ModelKey(MODEL.toString(), MMPROJ.toString(), null, 128, Numerics.FAST)));
        assertEquals(1, ModelCache.shared().loadCount(new ModelKey(MODEL.toString(), MMPROJ.toString(), null)));
    }

    /**
     * classify rows through the job are the engine's own scoring: the same labels and
     * probabilities (bit for bit, the same arithmetic) as the model annotating the request
     * directly, written through the .avsc; per-row labels (a comma-separated string column)
     * reach their row, with mean scoring as the job asks.
     */
    @Test
    void classifyRowsAreTheEnginesScoresOfTheirOwnCandidates() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType).add("cands", DataTypes.StringType);
        Path table = tmp.resolve("requests.parquet");
        spark.createDataFrame(List.of(RowFactory.create("job", china, null), RowFactory.create("own", china, "a porcelain vase, a cat")), schema)
                .write().parquet(table.toString());
        Path out = tmp.resolve("out");
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", table.toString(), "--output", out.toString(), "--model", MODEL.toString(),
                "--mmproj", MMPROJ.toString(), "--id-column", "id", "--task", "classify", "--labels", "cat,dog,cat food",
                "--labels-column", "cands", "--label-scoring", "mean"));
        Map<String, GenericRecord> byId = new HashMap<>();
        for (GenericRecord r : AnnotateJobTest.readWithAvsc(out)) byId.put(r.get("image_id").toString(), r);

        try (var model = dev.loupe.engine.vlm.VisionLanguageModels.open(MODEL, MMPROJ)) {
            for (var c : Map.of("job", List.of("cat", "dog", "cat food"), "own", List.of("a porcelain vase", "a cat")).entrySet()) {
                var expected = model.annotate(china, dev.loupe.engine.task.TaskRequest.classify(null, new dev.loupe.engine.task.LabelCandidates(
                        c.getValue(), dev.loupe.engine.task.LabelScoring.MEAN)), dev.loupe.engine.vlm.GenerationSettings.GREEDY,
                        dev.loupe.engine.vlm.ImageLimits.NONE);
                GenericRecord r = byId.get(c.getKey());
                assertNull(r.get("error"), c.getKey());
                assertEquals(expected.text(), r.get("text").toString());
                List<String> written = new ArrayList<>();
                for (Object o : (List<?>) r.get("labels")) written.add(((GenericRecord) o).get("label") + " " + ((GenericRecord) o).get("probability"));
                assertEquals(expected.labels().stream().map(l -> l.label() + " " + l.probability()).toList(), written, c.getKey());
                assertEquals(expected.confidence().meanLogprob(), r.get("mean_logprob"));
                assertEquals(expected.promptTokens(), r.get("prompt_tokens"));
            }
        }
    }

    /**
     * A per-row cap (--max-longest-edge-column) lowers the resolution of its row only, on the
     * one model the job loads: null and 0 keep the model's, 128 gives china.jpg a 1 x 1 grid
     * (the same prompt as the job-wide cap above), 200 is not a multiple of the tile and fails
     * that row alone, naming the column and the value. A column of strings is refused up front.
     */
    @Test
    void aPerRowMaxLongestEdgeColumnCapsItsRowOnly() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("cap", DataTypes.IntegerType).add("cap_text", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create("none", china, null, "x"), RowFactory.create("zero", china, 0, "x"),
                RowFactory.create("one-tile", china, 128, "x"), RowFactory.create("bad", china, 200, "x"));
        Path table = tmp.resolve("requests.parquet");
        spark.createDataFrame(rows, schema).write().parquet(table.toString());
        int loadsBefore = ModelCache.shared().loadCount(new ModelKey(MODEL.toString(), MMPROJ.toString(), null));

        Path out = tmp.resolve("out");
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", table.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "1",
                "--id-column", "id", "--max-longest-edge-column", "cap"));
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) byId.put(r.getAs("image_id"), r);
        int full = byId.get("none").<Integer>getAs("prompt_tokens");
        assertEquals(full, byId.get("zero").<Integer>getAs("prompt_tokens"));
        assertEquals(full - 3 * (2 + 4) - 1, byId.get("one-tile").<Integer>getAs("prompt_tokens"));
        assertEquals(8, byId.get("one-tile").<Integer>getAs("image_tokens"));
        String error = byId.get("bad").getAs("error");
        assertTrue(error != null && error.contains("max_longest_edge 200") && error.contains("tile size 128"), error);
        for (String ok : List.of("none", "zero", "one-tile")) assertNull(byId.get(ok).getAs("error"), ok);
        assertTrue(ModelCache.shared().loadCount(new ModelKey(MODEL.toString(), MMPROJ.toString(), null)) <= Math.max(1, loadsBefore),
                "per-row caps share the job's model");

        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AnnotateJob.run(spark, AnnotateJobTest.options("--input", table.toString(), "--output", tmp.resolve("out2").toString(),
                        "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-longest-edge-column", "cap_text")));
        assertTrue(e.getMessage().contains("--max-longest-edge-column cap_text") && e.getMessage().contains("integers"), e.getMessage());
    }

    /**
     * A per-row image-token cap (--max-image-tokens-column) reaches its row's request: SmolVLM
     * tiles images, so that row (and only it) fails, naming the limit SmolVLM takes instead.
     */
    @Test
    void aPerRowImageTokenCapReachesItsRow() throws Exception {
        byte[] china = Files.readAllBytes(ORACLE.resolve("images/china.jpg"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType).add("tokens", DataTypes.IntegerType);
        List<Row> rows = List.of(RowFactory.create("none", china, null), RowFactory.create("capped", china, 64));
        Path table = tmp.resolve("token-caps.parquet");
        spark.createDataFrame(rows, schema).write().parquet(table.toString());
        Path out = tmp.resolve("out-tokens");
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", table.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "1",
                "--id-column", "id", "--max-image-tokens-column", "tokens"));
        Map<String, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) byId.put(r.getAs("image_id"), r);
        assertNull(byId.get("none").getAs("error"));
        String error = byId.get("capped").getAs("error");
        assertTrue(error != null && error.contains("max_image_tokens 64") && error.contains("max_longest_edge"), error);
    }

    /**
     * Qwen3-VL through the job: the oracle's tiny model (its text GGUF reassembled from the test
     * resources' halves), exact numerics, one 96x64 image. It becomes 4 x 3 = 12 image tokens (28
     * prompt positions) and its caption starts with llama.cpp's greedy tokens for that image and
     * prompt; --max-image-tokens 4 scales it to 2 x 1 tokens (18 positions), by hand from the
     * dyn_size rules.
     */
    @Test
    void qwen3VlCaptionsAndItsImageTokenCap() throws Exception {
        Path text = dev.loupe.udf.Qwen3VlOracleModel.textModel(Files.createDirectories(tmp.resolve("qwen")));
        Path in = Files.createDirectories(tmp.resolve("qwen-in"));
        Files.copy(ORACLE.resolve("images/synth_rgba_96x64.png"), in.resolve("squares.png"));
        String[] common = {"--input", in.toString(), "--model", text.toString(), "--mmproj", dev.loupe.udf.Qwen3VlOracleModel.MMPROJ.toString(),
                "--task", "vqa", "--prompt", "How many squares are there?", "--max-tokens", "4", "--numerics", "exact"};
        Path full = tmp.resolve("qwen-full"), capped = tmp.resolve("qwen-capped");
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--output", full.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--output", capped.toString(), "--max-image-tokens", "4")));
        Row f = spark.read().parquet(full.toString()).collectAsList().get(0), c = spark.read().parquet(capped.toString()).collectAsList().get(0);
        assertNull(f.getAs("error"));
        assertNull(c.getAs("error"));
        assertEquals(12, f.<Integer>getAs("image_tokens"));
        assertEquals(28, f.<Integer>getAs("prompt_tokens"));
        // llama.cpp's first 4 greedy tokens, " handbookoptions Gambangi", as the output column strips them.
        assertEquals("handbookoptions Gambangi", f.<String>getAs("text"));
        assertEquals(2, c.<Integer>getAs("image_tokens"));
        assertEquals(18, c.<Integer>getAs("prompt_tokens"));

        // Grounding runs through the job too: the instruction wraps the phrase; a random-weight
        // model's answer holds no box, so the boxes column is empty (a caption's is null).
        Path ground = tmp.resolve("qwen-ground");
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", in.toString(), "--model", text.toString(), "--mmproj",
                dev.loupe.udf.Qwen3VlOracleModel.MMPROJ.toString(), "--task", "ground", "--prompt", "the red square", "--max-tokens", "2",
                "--output", ground.toString()));
        Row g = spark.read().parquet(ground.toString()).collectAsList().get(0);
        assertNull(g.getAs("error"));
        assertEquals("Locate the red square in this image and output its bbox coordinates in JSON format.", g.<String>getAs("prompt"));
        assertEquals(0, g.getList(g.fieldIndex("boxes")).size());
        assertNull(f.getAs("boxes"));

        // With room for a whole answer, grounding is constrained by default (greedy, JSON format):
        // the random model's answer is a box list that parses; --constrain off leaves it gibberish.
        Path constrained = tmp.resolve("qwen-ground-constrained"), free = tmp.resolve("qwen-ground-free");
        String[] roomy = {"--input", in.toString(), "--model", text.toString(), "--mmproj", dev.loupe.udf.Qwen3VlOracleModel.MMPROJ.toString(),
                "--task", "ground", "--prompt", "the red square", "--max-tokens", "40"};
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(roomy, "--output", constrained.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(roomy, "--output", free.toString(), "--constrain", "off")));
        Row gc = spark.read().parquet(constrained.toString()).collectAsList().get(0), gf = spark.read().parquet(free.toString()).collectAsList().get(0);
        assertNull(gc.getAs("parse_error"), gc.<String>getAs("text"));
        assertTrue(gc.getList(gc.fieldIndex("boxes")).size() >= 1, gc.<String>getAs("text"));
        assertNotNull(gf.getAs("parse_error"), gf.<String>getAs("text"));
    }

    /**
     * Youtu-VL through the job: the oracle's tiny model (deepseek2 MLA text + youtuvl mmproj),
     * exact numerics, one 96x64 image, which stays 96x64 (6 image tokens, 54 prompt positions with
     * the default system turn); its answer starts with llama.cpp's greedy tokens for that image and
     * question, "<y_1131>" and "이터". --max-image-tokens 1 stretches it to 32x32 (one token).
     * Grounding and segmentation send Youtu-VL's own instructions and write the boxes and masks columns.
     */
    @Test
    void youtuVlAnswersGroundsAndCapsItsImageTokens() throws Exception {
        Path dir = ORACLE.resolve("youtuvl/models");
        Path in = Files.createDirectories(tmp.resolve("youtu-in"));
        Files.copy(ORACLE.resolve("images/synth_rgba_96x64.png"), in.resolve("squares.png"));
        String[] common = {"--input", in.toString(), "--model", dir.resolve("youtuvl-text-f16.gguf").toString(),
                "--mmproj", dir.resolve("youtuvl-mmproj-f16.gguf").toString(), "--numerics", "exact"};
        Path full = tmp.resolve("youtu-full"), capped = tmp.resolve("youtu-capped"), ground = tmp.resolve("youtu-ground");
        Path segment = tmp.resolve("youtu-segment");
        String[] vqa = concat(common, "--task", "vqa", "--prompt", "How many squares are there?", "--max-tokens", "2");
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(vqa, "--output", full.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(vqa, "--output", capped.toString(), "--max-image-tokens", "1")));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "ground", "--prompt", "the red square",
                "--max-tokens", "2", "--output", ground.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "segment", "--prompt", "the red square",
                "--max-tokens", "2", "--output", segment.toString())));
        Row f = spark.read().parquet(full.toString()).collectAsList().get(0), c = spark.read().parquet(capped.toString()).collectAsList().get(0);
        Row g = spark.read().parquet(ground.toString()).collectAsList().get(0), s = spark.read().parquet(segment.toString()).collectAsList().get(0);
        for (Row r : List.of(f, c, g, s)) assertNull(r.getAs("error"));
        assertEquals("Can you segment \"the red square\" in this image?", s.<String>getAs("prompt"));
        assertEquals("segment", s.<String>getAs("task"));
        assertTrue(s.getList(s.fieldIndex("masks")).size() <= 1);
        // Two tokens of a random-weight model hold no box or polygon: parse_error says so; a vqa row has none.
        assertEquals("no <box> in the answer", g.<String>getAs("parse_error"));
        assertEquals("no <ins> or <poly> polygon in the answer", s.<String>getAs("parse_error"));
        assertNull(f.getAs("parse_error"));
        assertEquals(6, f.<Integer>getAs("image_tokens"));
        assertEquals(54, f.<Integer>getAs("prompt_tokens"));
        assertEquals("<y_1131>이터", f.<String>getAs("text"));
        assertEquals(1, c.<Integer>getAs("image_tokens"));
        assertEquals(49, c.<Integer>getAs("prompt_tokens"));
        assertEquals("Please provide the bounding box coordinate of the region this sentence describes: the red square", g.<String>getAs("prompt"));
        assertTrue(g.getList(g.fieldIndex("boxes")).size() <= 1);
        assertNull(f.getAs("boxes"));
        assertNotNull(g.getAs("mean_logprob"), "a generated answer carries its token log-probabilities");
        assertTrue(g.<Float>getAs("min_logprob") <= g.<Float>getAs("mean_logprob"));
    }

    /**
     * Youtu-VL's other vision tasks through the job on the tiny model: pose (the demo's MPII
     * prompt; persons in keypoints), depth (no runs in two random tokens: the depth column stays
     * null and parse_error says why) and semantic segmentation (masks read from the hidden states
     * when the answer has no runs: one per category found, each the original image's size).
     */
    @Test
    void youtuVlPoseDepthAndSemanticRowsReachParquet() throws Exception {
        Path dir = ORACLE.resolve("youtuvl/models");
        Path in = Files.createDirectories(tmp.resolve("youtu-dense-in"));
        Files.copy(ORACLE.resolve("images/synth_rgba_96x64.png"), in.resolve("squares.png"));
        String[] common = {"--input", in.toString(), "--model", dir.resolve("youtuvl-text-f16.gguf").toString(),
                "--mmproj", dir.resolve("youtuvl-mmproj-f16.gguf").toString(), "--max-tokens", "2"};
        Path pose = tmp.resolve("youtu-pose"), depth = tmp.resolve("youtu-depth"), semantic = tmp.resolve("youtu-semantic");
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "pose", "--output", pose.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "depth", "--output", depth.toString())));
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "semantic", "--prompt", "sky, square",
                "--output", semantic.toString())));
        Row p = spark.read().parquet(pose.toString()).first(), d = spark.read().parquet(depth.toString()).first();
        Row s = spark.read().parquet(semantic.toString()).first();
        for (Row r : List.of(p, d, s)) assertNull(r.getAs("error"));
        assertTrue(p.<String>getAs("prompt").startsWith("Detect all persons and their poses"));
        assertEquals(0, p.getList(p.fieldIndex("keypoints")).size());
        assertEquals("no <person> in the answer", p.<String>getAs("parse_error"));
        assertEquals("Estimate the depth.", d.<String>getAs("prompt"));
        assertNull(d.getAs("depth"));
        assertEquals("no <mask> in the answer", d.<String>getAs("parse_error"));
        List<Row> masks = s.getList(s.fieldIndex("masks"));
        assertTrue(!masks.isEmpty() && masks.size() <= 2, masks.toString());
        for (Row m : masks) {
            assertEquals(List.of(64, 96), List.of(m.<Integer>getAs("height"), m.<Integer>getAs("width")));
            assertTrue(List.of("sky", "square").contains(m.<String>getAs("label")));
        }
        assertEquals("no <mask> in the answer (masks read from the hidden states instead)", s.<String>getAs("parse_error"));

        // The job's own prompt book and readout reach the executors' model: a line of the book replaces the
        // built-in prompt; a text-only readout leaves an answer without runs without masks.
        Path book = Files.writeString(tmp.resolve("book.properties"), "youtuvl.depth = How far away is each part of the image?\n");
        Path own = tmp.resolve("youtu-own");
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "depth", "--prompt-book", book.toString(),
                "--output", own.toString())));
        assertEquals("How far away is each part of the image?", spark.read().parquet(own.toString()).first().<String>getAs("prompt"));
        Path text = tmp.resolve("youtu-text-readout");
        AnnotateJob.run(spark, AnnotateJobTest.options(concat(common, "--task", "semantic", "--prompt", "sky, square",
                "--dense-readout", "text", "--output", text.toString())));
        Row t = spark.read().parquet(text.toString()).first();
        assertEquals(0, t.getList(t.fieldIndex("masks")).size());
        assertEquals("no <mask> in the answer", t.<String>getAs("parse_error"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int promptTokens(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "1"));
        args.addAll(List.of(extra));
        AnnotateJob.run(spark, AnnotateJobTest.options(args.toArray(String[]::new)));
        var row = spark.read().parquet(out.toString()).first();
        assertNull(row.getAs("error"));
        return row.<Integer>getAs("prompt_tokens");
    }

    private static Map<String, String> captions(Path in, Path out, String partitions) {
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", in.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "6",
                "--temperature", "1.0", "--seed", "7", "--partitions", partitions));
        Map<String, String> byFile = new HashMap<>();
        for (var r : spark.read().parquet(out.toString()).collectAsList()) {
            String id = r.getAs("image_id");
            assertNull(r.getAs("error"), id);
            byFile.put(id.substring(id.lastIndexOf('/') + 1), r.getAs("text"));
        }
        return byFile;
    }

    @Test
    void aModelOnARemoteFileSystemIsCopiedOnceToTheLocalCacheAndAnnotatesAsTheLocalFileDoes() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china.jpg"));
        Files.copy(ORACLE.resolve("images/china.jpg"), in.resolve("china-again.jpg"));
        Path remoteDir = Files.createDirectories(tmp.resolve("remote"));
        Files.copy(MODEL, remoteDir.resolve(MODEL.getFileName()));
        String remoteModel = LocalAsRemoteFileSystem.uri(remoteDir.resolve(MODEL.getFileName()));
        String mmprojUri = MMPROJ.toUri().toString(); // file:// URIs are mapped where they are
        List<String> common = List.of("--input", in.toString(), "--max-tokens", "4", "--partitions", "2");

        List<String> remote = new ArrayList<>(common);
        remote.addAll(List.of("--output", tmp.resolve("remote-out").toString(), "--model", remoteModel, "--mmproj", mmprojUri));
        AnnotateJob.run(spark, AnnotateJobTest.options(remote.toArray(String[]::new)));
        List<String> local = new ArrayList<>(common);
        local.addAll(List.of("--output", tmp.resolve("local-out").toString(), "--model", MODEL.toString(), "--mmproj", MMPROJ.toString()));
        AnnotateJob.run(spark, AnnotateJobTest.options(local.toArray(String[]::new)));

        var fromRemote = spark.read().parquet(tmp.resolve("remote-out").toString()).drop("seconds", "encode_seconds", "prefill_seconds", "decode_seconds").orderBy("image_id").collectAsList();
        assertEquals(spark.read().parquet(tmp.resolve("local-out").toString()).drop("seconds", "encode_seconds", "prefill_seconds", "decode_seconds").orderBy("image_id").collectAsList(), fromRemote);
        assertEquals(MODEL.getFileName().toString(), fromRemote.getFirst().getAs("model"));
        assertEquals(1, ModelCache.shared().loadCount(new ModelKey(remoteModel, mmprojUri, null)), "two tasks, one load");
        List<Path> copies;
        try (var files = Files.walk(MODEL_CACHE)) {
            copies = files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(".lock")).toList();
        }
        assertEquals(1, copies.size(), "the remote model was copied once, the file: mmproj not at all: " + copies);
        assertEquals(MODEL.getFileName(), copies.getFirst().getFileName());
        assertEquals(Files.size(MODEL), Files.size(copies.getFirst()));
    }

    /**
     * By default (maxBatch auto; this model is F16 with fast numerics, so it batches) a task keeps
     * several rows in flight on the executor's batch scheduler, which decodes them together: every
     * row is the same as with --max-batch 1, one row at a time.
     */
    @Test
    void batchedRowsEqualRowsAnnotatedOneAtATime() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String name : List.of("china.jpg", "chelsea.png", "synth_1x1.png", "synth_tall_37x300.png", "synth_rgba_96x64.png")) {
            Files.copy(ORACLE.resolve("images").resolve(name), in.resolve(name));
        }
        Files.write(in.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        List<org.apache.spark.sql.Row> batched = rows(in, tmp.resolve("batched"));
        List<org.apache.spark.sql.Row> alone = rows(in, tmp.resolve("alone"), "--max-batch", "1");
        assertEquals(6, batched.size());
        for (int i = 0; i < alone.size(); i++) {
            for (String column : List.of("image_id", "text", "error", "prompt_tokens", "generated_tokens", "finish_reason")) {
                assertEquals((Object) alone.get(i).getAs(column), batched.get(i).getAs(column), column + " of " + alone.get(i).getAs("image_id"));
            }
        }
        assertTrue(batched.stream().anyMatch(r -> r.getAs("error") != null), "the broken image is an error row");
    }

    private static List<org.apache.spark.sql.Row> rows(Path in, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--model", MODEL.toString(), "--mmproj", MMPROJ.toString(), "--max-tokens", "12", "--partitions", "1"));
        args.addAll(List.of(more));
        AnnotateJob.run(spark, AnnotateJobTest.options(args.toArray(String[]::new)));
        return spark.read().parquet(out.toString()).orderBy("image_id").collectAsList();
    }

    /** llama.cpp's greedy pieces, concatenated and decoded as the text column is. */
    static String greedyText(JsonNode greedy) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (JsonNode step : greedy) bytes.writeBytes(HexFormat.of().parseHex(step.get("piece_hex").asText()));
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8).strip();
    }
}
