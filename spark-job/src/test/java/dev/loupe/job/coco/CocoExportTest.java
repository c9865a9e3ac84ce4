package dev.loupe.job.coco;

import static dev.loupe.job.annotations.AnnotationFiles.box;
import static dev.loupe.job.annotations.AnnotationFiles.failed;
import static dev.loupe.job.annotations.AnnotationFiles.keypoint;
import static dev.loupe.job.annotations.AnnotationFiles.mask;
import static dev.loupe.job.annotations.AnnotationFiles.person;
import static dev.loupe.job.annotations.AnnotationFiles.point;
import static dev.loupe.job.annotations.AnnotationFiles.row;
import static dev.loupe.job.annotations.AnnotationFiles.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.task.PoseAnswers;
import dev.loupe.job.annotations.AnnotationFiles;
import dev.loupe.job.tools.LoupeTools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * export-coco on annotation rows written with known values, read back by {@link CocoReader}, an
 * independent COCO reader: boxes, masks and keypoints must come out as they went in. The masks are
 * the pycocotools-made cases of the engine's polygon-masks.json, whose pictures give area and
 * bbox by counting.
 */
class CocoExportTest {
    static final Path POLYGON_MASKS = Path.of("..", "engine", "src", "test", "resources", "task", "polygon-masks.json");

    /** A pycocotools-made mask: its picture and compressed RLE. */
    record MaskCase(int width, int height, List<String> rows, String rle) {}

    static MaskCase triangle, arrow;

    @TempDir
    Path tmp;

    @BeforeAll
    static void masks() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(POLYGON_MASKS.toFile()).get("cases");
        for (JsonNode c : cases) {
            List<String> rows = new ArrayList<>();
            c.get("rows").forEach(r -> rows.add(r.asText()));
            MaskCase m = new MaskCase(c.get("width").asInt(), c.get("height").asInt(), rows, c.get("rle").asText());
            if (c.get("name").asText().equals("triangle")) triangle = m;
            if (c.get("name").asText().equals("concave-arrow")) arrow = m;
        }
    }

    /** Rows of every kind: boxes (one scored), masks (labelled and not), a person, a failed row. */
    Path table() throws Exception {
        List<GenericRecord> keypoints = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Float v = i == 0 ? null : i == 1 ? 0.25f : 0.875f; // no visibility, hidden, visible
            keypoints.add(keypoint(PoseAnswers.MPII_JOINTS.get(i), 10 + i, 20.5f + 2 * i, v));
        }
        GenericRecord detect = with(row("file:/data/images/a.jpg", "detect", 20, 15), "boxes",
                List.of(box("dog", 1.5f, 2.25f, 10.75f, 12.5f, 0.875f), box("cat", 0, 0, 4, 3, null)));
        detect.put("text", "<ref>dog</ref>…");
        detect.put("parse_error", "1 of 3 entries is not four coordinates");
        detect.put("points", List.of(point("nose", 3, 4)));
        List<GenericRecord> rows = List.of(
                detect,
                with(row("file:/data/images/b.png", "segment", 20, 15), "masks", List.of(mask("cat", 15, 20, triangle.rle()))),
                with(row("file:/data/images/sub/c.png", "segment", 24, 20), "masks", List.of(mask(null, 20, 24, arrow.rle()))),
                with(row("file:/data/images/d.jpg", "pose", 100, 80), "keypoints", List.of(person(5, 6, 45.5f, 70, keypoints))),
                failed("file:/data/images/e.jpg", "detect", "undecodable image"));
        Path file = tmp.resolve("annotations.parquet");
        AnnotationFiles.write(file, rows);
        return file;
    }

    @Test
    void boxesMasksAndKeypointsRoundTripThroughAnIndependentCocoReader() throws Exception {
        Path json = tmp.resolve("coco.json");
        CocoExport.Counts counts = CocoExport.run(new CocoExportOptions(table().toString(), json, Path.of("/data/images"), false));
        assertEquals(new CocoExport.Counts(5, 2, 2, 1, 4, 1), counts);

        CocoReader coco = new CocoReader(json);
        assertEquals(5, coco.images.size());
        assertEquals(5, coco.annotations.size());
        assertEquals(List.of("dog", "cat", "object", "person"),
                List.of(1L, 2L, 3L, 4L).stream().map(id -> coco.categories.get(id).get("name").asText()).toList());

        JsonNode a = coco.imageNamed("a.jpg");
        assertEquals(20, a.get("width").asInt());
        assertEquals(15, a.get("height").asInt());
        assertEquals("file:/data/images/a.jpg", a.get("loupe").get("image_id").asText());
        assertEquals("1 of 3 entries is not four coordinates", a.get("loupe").get("parse_error").asText());
        List<JsonNode> boxes = coco.annotationsOf("a.jpg");
        JsonNode dog = boxes.get(0), cat = boxes.get(1);
        assertEquals("dog", coco.categoryName(dog));
        // [x0, y0, x1 - x0, y1 - y0]: 10.75 - 1.5 = 9.25, 12.5 - 2.25 = 10.25; binary fractions, exact in float.
        assertEquals(List.of(1.5, 2.25, 9.25, 10.25), numbers(dog.get("bbox")));
        assertEquals(9.25 * 10.25, dog.get("area").asDouble());
        assertEquals(0.875, dog.get("score").asDouble());
        assertEquals(0, dog.get("iscrowd").asInt());
        assertEquals(List.of(0.0, 0.0, 4.0, 3.0), numbers(cat.get("bbox")));
        assertNull(cat.get("score"), "no score where the model gave none");
        // Back to corners: the boxes that went in.
        assertEquals(10.75f, (float) (dog.get("bbox").get(0).asDouble() + dog.get("bbox").get(2).asDouble()));
        assertEquals(12.5f, (float) (dog.get("bbox").get(1).asDouble() + dog.get("bbox").get(3).asDouble()));

        JsonNode triangleAnn = coco.annotationsOf("b.png").getFirst();
        assertEquals("cat", coco.categoryName(triangleAnn), "a mask's label shares the box label's category");
        assertEquals(triangle.rle(), triangleAnn.get("segmentation").get("counts").asText());
        assertEquals(List.of(15, 20), List.of(triangleAnn.get("segmentation").get("size").get(0).asInt(),
                triangleAnn.get("segmentation").get("size").get(1).asInt()), "COCO's size is [height, width]");
        assertEquals(triangle.rows(), CocoReader.picture(triangleAnn.get("segmentation")));
        // Counted on the picture: 104 '#', columns 2..17, rows 1..13.
        assertEquals(104, triangleAnn.get("area").asLong());
        assertEquals(List.of(2.0, 1.0, 16.0, 13.0), numbers(triangleAnn.get("bbox")));

        JsonNode arrowAnn = coco.annotationsOf("sub/c.png").getFirst();
        assertEquals("object", coco.categoryName(arrowAnn), "an unlabelled mask");
        assertEquals(arrow.rows(), CocoReader.picture(arrowAnn.get("segmentation")));
        // Counted on the picture: 150 '#', columns 1..22, rows 1..18.
        assertEquals(150, arrowAnn.get("area").asLong());
        assertEquals(List.of(1.0, 1.0, 22.0, 18.0), numbers(arrowAnn.get("bbox")));

        JsonNode personAnn = coco.annotationsOf("d.jpg").getFirst();
        JsonNode personCategory = coco.categories.get(personAnn.get("category_id").asLong());
        List<String> names = new ArrayList<>();
        personCategory.get("keypoints").forEach(n -> names.add(n.asText()));
        assertEquals(PoseAnswers.MPII_JOINTS, names);
        assertEquals(15, personCategory.get("skeleton").size());
        assertTrue(containsPair(personCategory.get("skeleton"), 7, 8), "pelvis (7th) to thorax (8th), 1-based");
        assertTrue(containsPair(personCategory.get("skeleton"), 1, 2), "right ankle to right knee");
        JsonNode flat = personAnn.get("keypoints");
        assertEquals(48, flat.size(), "16 x [x, y, v]");
        assertEquals(List.of(10.0, 20.5, 2.0), numbers(flat, 0, 3), "no visibility given: placed, so visible (2)");
        assertEquals(List.of(11.0, 22.5, 1.0), numbers(flat, 3, 6), "visibility 0.25: labelled, not visible (1)");
        assertEquals(List.of(25.0, 50.5, 2.0), numbers(flat, 45, 48), "visibility 0.875: visible (2)");
        assertEquals(16, personAnn.get("num_keypoints").asInt());
        assertEquals(List.of(5.0, 6.0, 40.5, 64.0), numbers(personAnn.get("bbox")));

        JsonNode failedImage = coco.imageNamed("e.jpg");
        assertNull(failedImage.get("width"), "no size for an image that was never decoded");
        assertEquals("undecodable image", failedImage.get("loupe").get("error").asText());
        assertTrue(coco.annotationsOf("e.jpg").isEmpty());
    }

    @Test
    void theCommandLineExportsAndReportsWhatItWrote() throws Exception {
        Path json = tmp.resolve("out.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = LoupeTools.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        String table = table().toString();
        int code = cli.execute("export-coco", "--input", table, "--output", json.toString());
        assertEquals(0, code, err.toString());
        assertEquals("loupe export-coco: wrote " + json + ": 5 images, 5 annotations (2 boxes, 2 masks, 1 persons), 4 categories\n"
                + "loupe export-coco: 1 points left out: COCO has no form for lone points\n", out.toString());
        assertEquals("/data/images/a.jpg", new CocoReader(json).images.get(1L).get("file_name").asText(),
                "without --image-root, the file: URI becomes a plain path");

        int again = cli.execute("export-coco", "--input", table, "--output", json.toString());
        assertEquals(1, again);
        assertTrue(err.toString().contains("loupe: " + json + " exists; pass --overwrite to replace it"), err.toString());
    }

    @Test
    void anInputThatIsNotAnAnnotationTableIsRefusedWithTheFileAndColumnNamed() throws Exception {
        Path json = tmp.resolve("coco.json");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> CocoExport.run(new CocoExportOptions(tmp.resolve("nowhere").toString(), json, null, false)));
        assertEquals(tmp.resolve("nowhere") + ": no such file or directory", missing.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> CocoExport.run(new CocoExportOptions(empty.toString(), json, null, false)));
        assertTrue(none.getMessage().startsWith(empty + " holds no .parquet files"), none.getMessage());

        // An image table (import-coco's output) has no task column.
        Path images = tmp.resolve("images.parquet");
        writeWith(images, SchemaBuilder.record("ImageRow").fields().optionalString("image_id").optionalBytes("image").endRecord(),
                r -> r.put("image_id", "a.jpg"));
        IllegalArgumentException notAnnotations = assertThrows(IllegalArgumentException.class,
                () -> CocoExport.run(new CocoExportOptions(images.toString(), json, null, false)));
        assertTrue(notAnnotations.getMessage().contains("images.parquet is not an annotation table (schemas/annotation.avsc): it has no column task; "
                + "its columns are [image_id, image]"), notAnnotations.getMessage());

        // boxes of the wrong shape: strings.
        Path wrong = tmp.resolve("wrong.parquet");
        writeWith(wrong, SchemaBuilder.record("Row").fields().optionalString("image_id").optionalString("task").optionalString("boxes").endRecord(),
                r -> r.put("boxes", "[1, 2, 3, 4]"));
        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                () -> CocoExport.run(new CocoExportOptions(wrong.toString(), json, null, false)));
        assertTrue(wrongShape.getMessage().endsWith("wrong.parquet does not match schemas/annotation.avsc: column boxes is string, a list expected"),
                wrongShape.getMessage());
        assertFalse(Files.exists(json), "nothing written for a refused input");
    }

    @Test
    void aMaskWhoseRleDoesNotCoverItsSizeFailsTheExportNamingTheRowAndLeavesNoFile() throws Exception {
        Path file = tmp.resolve("bad-mask.parquet");
        // The triangle's 20x15 RLE declared as 20x16.
        AnnotationFiles.write(file, List.of(with(row("x.png", "segment", 20, 16), "masks", List.of(mask("cat", 16, 20, triangle.rle())))));
        Path json = tmp.resolve("coco.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoExport.run(new CocoExportOptions(file.toString(), json, null, false)));
        assertTrue(e.getMessage().endsWith("row x.png: masks[0]: its RLE covers 300 pixels, not 20x16"), e.getMessage());
        assertFalse(Files.exists(json));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("bad-mask.parquet"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
    }

    private interface Filler {
        void fill(GenericRecord r);
    }

    private static void writeWith(Path file, Schema schema, Filler filler) throws Exception {
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(schema)
                .withDataModel(GenericData.get()).build()) {
            GenericRecord r = new GenericData.Record(schema);
            filler.fill(r);
            w.write(r);
        }
    }

    private static boolean containsPair(JsonNode pairs, int a, int b) {
        for (JsonNode p : pairs) if (p.get(0).asInt() == a && p.get(1).asInt() == b) return true;
        return false;
    }

    private static List<Double> numbers(JsonNode array) {
        return numbers(array, 0, array.size());
    }

    private static List<Double> numbers(JsonNode array, int from, int to) {
        List<Double> out = new ArrayList<>();
        for (int i = from; i < to; i++) out.add(array.get(i).asDouble());
        return out;
    }
}
