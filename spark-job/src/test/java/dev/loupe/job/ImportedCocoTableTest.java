package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loupe.job.coco.CocoImport;
import dev.loupe.job.coco.CocoImportOptions;
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
 * What import-coco writes is what the annotate job reads: both of its tables (bytes, paths)
 * annotated by the job, with {@link SizeCaptionLoader} standing in for the engine, give one row
 * per COCO image, keyed by its file name, captioned with the size of the very image.
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
    void bothImportedTablesAreAnnotatedOneRowPerCocoImageKeyedByFileName() throws Exception {
        Path json = Files.createDirectories(tmp.resolve("coco")).resolve("instances.json");
        Files.writeString(json, "{\"images\": [{\"id\": 1, \"file_name\": \"china.jpg\"}, {\"id\": 2, \"file_name\": \"chelsea.png\"}]}");
        Map<String, String> expected = Map.of("china.jpg", "a 640x427 image", "chelsea.png", "a 451x300 image");

        Path bytes = tmp.resolve("bytes.parquet"), paths = tmp.resolve("paths.parquet");
        CocoImport.run(new CocoImportOptions(json, AnnotateJobTest.SAMPLES, bytes, false, false));
        CocoImport.run(new CocoImportOptions(json, AnnotateJobTest.SAMPLES, paths, true, false));

        assertEquals(expected, captions(annotate(bytes, "--input", bytes.toString(), "--id-column", "image_id")));
        assertEquals(expected, captions(annotate(paths, "--input", paths.toString(), "--id-column", "image_id", "--image-column", "image_path")));
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
