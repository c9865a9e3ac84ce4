package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.job.coco.CocoExport;
import dev.loupe.job.coco.CocoExportOptions;
import dev.loupe.job.coco.CocoImport;
import dev.loupe.job.coco.CocoImportOptions;
import dev.loupe.job.report.AnnotationReport;
import dev.loupe.job.report.ReportOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tools around a real job run: what import-coco writes is what the annotate job reads — both
 * of its tables (bytes, paths), annotated with {@link SizeCaptionLoader} standing in for the
 * engine, give one row per COCO image, keyed by its file name, captioned with the size of the
 * very image — and what the job writes (Spark's Parquet and its summary) is what export-coco and
 * report read.
 */
class ImportedCocoTableTest {
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-import-coco-test")
                .config("spark.ui.enabled", "false").config("spark.loupe.loader", SizeCaptionLoader.class.getName()).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void importedTablesAreAnnotatedByFileNameAndTheOutputExportsAndReports() throws Exception {
        Path json = Files.createDirectories(tmp.resolve("coco")).resolve("instances.json");
        Files.writeString(json, "{\"images\": [{\"id\": 1, \"file_name\": \"china.jpg\"}, {\"id\": 2, \"file_name\": \"chelsea.png\"}]}");
        Map<String, String> expected = Map.of("china.jpg", "a 640x427 image", "chelsea.png", "a 451x300 image");

        Path bytes = tmp.resolve("bytes.parquet"), paths = tmp.resolve("paths.parquet");
        CocoImport.run(new CocoImportOptions(json, AnnotateJobTest.SAMPLES, bytes, false, false));
        CocoImport.run(new CocoImportOptions(json, AnnotateJobTest.SAMPLES, paths, true, false));

        Path annotated = annotate(bytes, "--input", bytes.toString(), "--id-column", "image_id");
        assertEquals(expected, captions(annotated));
        assertEquals(expected, captions(annotate(paths, "--input", paths.toString(), "--id-column", "image_id", "--image-column", "image_path")));

        Path exported = tmp.resolve("exported.json");
        CocoExport.run(new CocoExportOptions(annotated.toString(), exported, null, false));
        Map<String, String> sizes = new TreeMap<>();
        for (JsonNode image : new ObjectMapper().readTree(exported.toFile()).get("images")) {
            sizes.put(image.get("file_name").asText(), image.get("width").asInt() + "x" + image.get("height").asInt());
        }
        assertEquals(Map.of("china.jpg", "640x427", "chelsea.png", "451x300"), sizes);

        AnnotationReport.Counts report = AnnotationReport.run(new ReportOptions(annotated.toString(), tmp.resolve("report.html"), null, 24, 0,
                false, AnnotateJobTest.SAMPLES, 640, false));
        assertEquals(new AnnotationReport.Counts(2, 2, 0, true), report, "both images found under --image-root, the job's summary read");
    }

    private Path annotate(Path table, String... input) {
        Path out = tmp.resolve("out-" + table.getFileName());
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(input), java.util.stream.Stream.of("--output", out.toString(),
                "--model", AnnotateJobTest.MODEL.toString(), "--mmproj", AnnotateJobTest.MMPROJ.toString())).toArray(String[]::new);
        AnnotateJob.run(spark, AnnotateJobTest.options(args));
        return out;
    }

    private static Map<String, String> captions(Path output) {
        Map<String, String> byId = new TreeMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) byId.put(r.getAs("image_id"), r.getAs("text"));
        return byId;
    }
}
