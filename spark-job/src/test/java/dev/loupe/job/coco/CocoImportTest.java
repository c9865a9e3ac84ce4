package dev.loupe.job.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import-coco on a two-image COCO dataset made here; the annotate job's side is {@code ImportedCocoTableTest}. */
class CocoImportTest {
    @TempDir
    Path tmp;

    /** val/a.png (8x6) and val/sub/b.png (5x4), listed with ids 397133 and 42, with annotations to skip. */
    static Path dataset(Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("val/sub"));
        ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("val/a.png").toFile());
        ImageIO.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", images.resolve("b.png").toFile());
        Path json = dir.resolve("instances.json");
        Files.writeString(json, """
                {"info": {"description": "two images"},
                 "annotations": [{"id": 1, "image_id": 397133, "category_id": 18, "bbox": [1, 1, 2, 2],
                                  "segmentation": [[1, 1, 3, 1, 3, 3]], "area": 4, "iscrowd": 0}],
                 "images": [{"id": 397133, "file_name": "a.png", "width": 8, "height": 6},
                            {"id": 42, "file_name": "sub/b.png", "width": 5, "height": 4, "license": 3}],
                 "categories": [{"id": 18, "name": "dog", "supercategory": "animal"}]}
                """);
        return json;
    }

    @Test
    void everyImageBecomesARowWithItsBytesNameIdAndSize() throws Exception {
        Path json = dataset(tmp);
        Path out = tmp.resolve("val.parquet");
        CocoImport.Counts counts = CocoImport.run(new CocoImportOptions(json, tmp.resolve("val"), out, false, false));

        byte[] a = Files.readAllBytes(tmp.resolve("val/a.png")), b = Files.readAllBytes(tmp.resolve("val/sub/b.png"));
        assertEquals(new CocoImport.Counts(2, a.length + b.length), counts);
        List<GenericRecord> rows = read(out);
        assertEquals(List.of("image_id", "image", "coco_id", "width", "height"), names(rows.getFirst().getSchema()),
                "a table of bytes has no image_path column");
        assertEquals("a.png", rows.get(0).get("image_id").toString());
        assertEquals(397133L, rows.get(0).get("coco_id"));
        assertEquals(8, rows.get(0).get("width"));
        assertEquals(6, rows.get(0).get("height"));
        assertArrayEquals(a, bytes(rows.get(0).get("image")));
        assertEquals("sub/b.png", rows.get(1).get("image_id").toString());
        assertEquals(42L, rows.get(1).get("coco_id"));
        assertArrayEquals(b, bytes(rows.get(1).get("image")));
    }

    @Test
    void withPathsEachRowHoldsTheImagesAbsolutePath() throws Exception {
        Path json = dataset(tmp);
        Path out = tmp.resolve("val-paths.parquet");
        CocoImport.run(new CocoImportOptions(json, tmp.resolve("val"), out, true, false));

        List<GenericRecord> rows = read(out);
        assertEquals(List.of("image_id", "image_path", "coco_id", "width", "height"), names(rows.getFirst().getSchema()));
        assertEquals(tmp.resolve("val/sub/b.png").toAbsolutePath().toString(), rows.get(1).get("image_path").toString());
    }

    @Test
    void aMissingImageStopsTheImportNamingItAndLeavesNoTable() throws Exception {
        Path json = dataset(tmp);
        Files.delete(tmp.resolve("val/sub/b.png"));
        Path out = tmp.resolve("val.parquet");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(json, tmp.resolve("val"), out, false, false)));
        assertEquals("image 42 of " + json + ": " + tmp.resolve("val/sub/b.png").toAbsolutePath() + " does not exist", e.getMessage());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve(".val.parquet.tmp")));
    }

    @Test
    void aBrokenOrForeignJsonFileIsRefusedWithWhereItBreaks() throws Exception {
        Files.createDirectories(tmp.resolve("val"));
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", tmp.resolve("val/a.png").toFile());
        Path out = tmp.resolve("val.parquet");

        // The first image imports; the JSON breaks in the second.
        Path truncated = tmp.resolve("truncated.json");
        Files.writeString(truncated, "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"},\n  {\"id\": 2, \"file_na");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(truncated, tmp.resolve("val"), out, false, false)));
        assertTrue(broken.getMessage().startsWith(truncated + " is not valid JSON: "), broken.getMessage());
        assertTrue(broken.getMessage().contains(" at line 2, column "), broken.getMessage());

        Path noImages = tmp.resolve("refs.json");
        Files.writeString(noImages, "[{\"ref_id\": 1}]");
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(noImages, tmp.resolve("val"), out, false, false)));
        assertEquals(noImages + " is not a COCO JSON file: it is not a JSON object", foreign.getMessage());

        Path noList = tmp.resolve("captions.json");
        Files.writeString(noList, "{\"annotations\": []}");
        assertEquals(noList + " has no images list: is it a COCO instances file?", assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(noList, tmp.resolve("val"), out, false, false))).getMessage());

        Path badEntry = tmp.resolve("bad-entry.json");
        Files.writeString(badEntry, "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"}, {\"file_name\": \"b.png\"}]}");
        assertEquals(badEntry + ": images[1] needs an integer id and a file_name: {\"file_name\":\"b.png\"}", assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(badEntry, tmp.resolve("val"), out, false, false))).getMessage());

        assertEquals(tmp.resolve("none.json") + ": no such file", assertThrows(IllegalArgumentException.class,
                () -> CocoImport.run(new CocoImportOptions(tmp.resolve("none.json"), tmp.resolve("val"), out, false, false))).getMessage());
        assertFalse(Files.exists(out));
    }

    static List<GenericRecord> read(Path file) throws Exception {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
                .withDataModel(GenericData.get()).build()) {
            for (GenericRecord g = r.read(); g != null; g = r.read()) rows.add(g);
        }
        return rows;
    }

    private static List<String> names(Schema schema) {
        return schema.getFields().stream().map(Schema.Field::name).toList();
    }

    private static byte[] bytes(Object value) {
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    @Test
    void theSchemaFileNamesBothImageColumns() {
        assertNull(ImageTableSchema.of(false).getField("image_path"));
        assertNull(ImageTableSchema.of(true).getField("image"));
        assertEquals(ImageTableSchema.full().getFields().size() - 1, ImageTableSchema.of(true).getFields().size());
    }
}
