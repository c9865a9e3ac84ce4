package dev.loupe.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.udf.ml.LoupeAnnotator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
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
 * The ML stage (issue 15 item 8) on the oracle's tiny SmolVLM (random weights: gibberish, but the
 * same gibberish): in a Pipeline, saved and loaded back, it writes the annotate job's rows for the
 * same images and options, field for field but the timings; sampled rows included, so the per-row
 * seeds are the job's. A broken image is its rows' error, never a failed query.
 */
class LoupeAnnotatorPipelineTest {
    private static final Path ORACLE = MultiTaskAnnotateJobTest.ORACLE;
    private static final Path MODEL = MultiTaskAnnotateJobTest.MODEL;
    private static final Path MMPROJ = MultiTaskAnnotateJobTest.MMPROJ;
    /** Wall-clock fields: the only ones two runs of one request may differ in. */
    private static final Set<String> TIMINGS = Set.of("seconds", "encode_seconds", "prefill_seconds", "decode_seconds");

    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-ml-pipeline-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void aSavedAndLoadedPipelineWritesTheAnnotateJobsRows() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String n : List.of("china.jpg", "chelsea.png")) Files.copy(ORACLE.resolve("images").resolve(n), in.resolve(n));
        Files.write(in.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path jobOut = tmp.resolve("job");
        AnnotateJob.run(spark, AnnotateJobTest.options("--input", in.toString(), "--output", jobOut.toString(), "--model", MODEL.toString(),
                "--mmproj", MMPROJ.toString(), "--max-tokens", "8", "--partitions", "2", "--tasks", "caption,count,classify",
                "--categories", "dog", "--labels", "cat,dog", "--temperature", "0.9", "--seed", "7"));
        Map<String, Row> job = new TreeMap<>();
        for (Row r : spark.read().parquet(jobOut.toString()).collectAsList()) job.put(r.getAs("image_id") + " " + r.getAs("task"), r);
        assertEquals(9, job.size(), job.keySet().toString());

        // The same images as a table of the job's ids and the bytes.
        List<Row> rows = new ArrayList<>();
        for (String id : job.keySet().stream().map(k -> k.substring(0, k.indexOf(' '))).distinct().toList()) {
            rows.add(RowFactory.create(id, Files.readAllBytes(Path.of(URI.create(id)))));
        }
        Dataset<Row> images = spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType))
                .repartition(2);

        LoupeAnnotator stage = new LoupeAnnotator().setModel(MODEL.toString()).setMmproj(MMPROJ.toString()).setInputCol("content")
                .setIdCol("path").setTasks("caption,count,classify").setCategories("dog").setLabels("cat", "dog").setMaxTokens(8)
                .setTemperature(0.9f).setSeed(7);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(images);
        String saved = tmp.resolve("pipeline").toString();
        fitted.write().overwrite().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);

        LoupeAnnotator back = (LoupeAnnotator) loaded.stages()[0];
        assertEquals(stage.uid(), back.uid());
        assertEquals("caption,count,classify", back.getTasks());
        assertEquals(List.of("cat", "dog"), List.of(back.getLabels()));
        assertEquals(List.of(MODEL.toString(), MMPROJ.toString(), "content", "path", 8, 0.9f, 7L),
                List.of(back.getModel(), back.getMmproj(), back.getInputCol(), back.getIdCol(), back.getOrDefault(back.maxTokens()),
                        back.getOrDefault(back.temperature()), back.getOrDefault(back.seed())));

        Dataset<Row> annotated = loaded.transform(images);
        assertEquals(List.of("path", "content", "annotation"), List.of(annotated.columns()));
        assertSameRows(job, annotated.select("path", "annotation.*").collectAsList());

        // The stage saved alone (Java: LoupeAnnotator.load), reading paths instead of bytes: the job's rows again.
        String stageDir = tmp.resolve("stage").toString();
        stage.write().overwrite().save(stageDir);
        LoupeAnnotator byPath = LoupeAnnotator.load(stageDir);
        Dataset<Row> paths = images.select("path");
        assertSameRows(job, byPath.copy(new ParamMap().put(byPath.inputCol().w("path"))).transform(paths).select("path", "annotation.*").collectAsList());

        // The seed is the row id's, as the job's: the same stage with other ids samples other captions.
        List<Row> otherIds = stage.copy(new ParamMap().put(stage.idCol().w("other_id")))
                .transform(images.withColumn("other_id", concat(col("path"), lit("#2"))))
                .where("annotation.task = 'caption' AND annotation.error IS NULL").select("path", "annotation.text").collectAsList();
        assertEquals(2, otherIds.size());
        assertTrue(otherIds.stream().anyMatch(r -> !r.getString(1).equals(job.get(r.getString(0) + " caption").getAs("text"))),
                "seeded from another id, sampled differently: " + otherIds);

        Row broken = job.get(job.keySet().stream().filter(k -> k.contains("broken.png caption")).findFirst().orElseThrow());
        assertNotNull(broken.getAs("error"), "the job's broken image has its error, and the stage's the same (compared above)");
    }

    @Test
    void anExistingOutputColumnOrAFileThatIsNoModelFailsBeforeAnyRowNamingIt() {
        Dataset<Row> images = spark.createDataFrame(List.of(RowFactory.create("a", new byte[] {1})),
                new StructType().add("annotation", DataTypes.StringType).add("image", DataTypes.BinaryType));
        LoupeAnnotator stage = new LoupeAnnotator().setModel(MODEL.toString()).setMmproj(MMPROJ.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pipeline().setStages(new PipelineStage[] {stage}).fit(images));
        assertEquals("LoupeAnnotator " + stage.uid() + ": outputCol 'annotation' is a column of the input already; choose another name", e.getMessage());
        // A model file that is not one fails on the driver, before any row runs, naming the file.
        LoupeAnnotator bad = new LoupeAnnotator().setModel(ORACLE.resolve("images/china.jpg").toString()).setMmproj(MMPROJ.toString())
                .setOutputCol("ann");
        RuntimeException notGguf = assertThrows(RuntimeException.class, () -> bad.transform(images));
        assertTrue(String.valueOf(notGguf.getMessage()).contains("china.jpg"), notGguf.getMessage());
    }

    /** Each annotated row is the job's row of its (image, task), every field but image_id and the timings. */
    private static void assertSameRows(Map<String, Row> job, List<Row> annotated) {
        assertEquals(job.size(), annotated.size(), "one row per image and task");
        int sampled = 0;
        for (Row r : annotated) {
            String key = r.getAs("path") + " " + r.getAs("task");
            Row expected = job.get(key);
            assertNotNull(expected, key);
            for (String field : expected.schema().fieldNames()) {
                if (TIMINGS.contains(field) || field.equals("image_id")) continue;
                assertEquals(String.valueOf((Object) expected.getAs(field)), String.valueOf((Object) r.getAs(field)), field + " of " + key);
            }
            if (r.getAs("error") == null && "caption".equals(r.getAs("task"))) sampled++;
        }
        assertEquals(2, sampled, "both images captioned");
        for (Row r : annotated) {
            if ("count".equals(r.getAs("task"))) assertTrue(r.<String>getAs("prompt").contains("dog"), "the categories reach count: " + r);
            if ("classify".equals(r.getAs("task")) && r.getAs("error") == null) assertEquals(2, r.getList(r.fieldIndex("labels")).size());
        }
        assertNull(job.values().stream().filter(r -> !r.<String>getAs("image_id").endsWith("broken.png")).map(r -> r.<String>getAs("error"))
                .filter(Objects::nonNull).findFirst().orElse(null), "no error but the broken image's");
    }
}
