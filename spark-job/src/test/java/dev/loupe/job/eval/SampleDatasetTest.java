package dev.loupe.job.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;

/**
 * sample-data/refcoco-sample: its Parquet files hold exactly the rows of annotations.json, with
 * the images' own bytes, and every box lies inside its image. With -Dloupe.writeSample=true the
 * files are written first (the sample's generator).
 */
class SampleDatasetTest {

    @Test
    void theParquetFilesHoldTheHandAnnotationsWithTheImagesBytes() throws Exception {
        Map<String, List<LmmsEvalParquet.Row>> bySplit = SampleDataset.rowsBySplit();
        if (Boolean.getBoolean("loupe.writeSample")) {
            for (var e : bySplit.entrySet()) LmmsEvalParquet.write(SampleDataset.file(e.getKey()), e.getValue());
        }
        long bytes = 0;
        for (var e : bySplit.entrySet()) {
            List<GenericRecord> records = new ArrayList<>();
            try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(SampleDataset.file(e.getKey())),
                    new PlainParquetConfiguration()).build()) {
                for (GenericRecord g; (g = r.read()) != null; ) records.add(g);
            }
            bytes += Files.size(SampleDataset.file(e.getKey()));
            assertEquals(e.getValue().size(), records.size(), e.getKey());
            for (int i = 0; i < records.size(); i++) {
                LmmsEvalParquet.Row want = e.getValue().get(i);
                GenericRecord got = records.get(i);
                assertEquals(want.questionId(), got.get("question_id").toString());
                assertEquals(want.fileName(), got.get("file_name").toString());
                assertEquals(want.answers(), ((List<?>) got.get("answer")).stream().map(Object::toString).toList());
                assertEquals(floats(want.bbox()), got.get("bbox"));
                assertEquals(floats(want.segmentation()), got.get("segmentation"));
                ByteBuffer image = (ByteBuffer) ((GenericRecord) got.get("image")).get("bytes");
                byte[] stored = new byte[image.remaining()];
                image.get(stored);
                assertArrayEquals(want.image(), stored, want.questionId());

                BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(stored));
                int[] size = SampleDataset.size(want.fileName());
                assertEquals(size[0], decoded.getWidth(), want.fileName());
                assertEquals(size[1], decoded.getHeight(), want.fileName());
                float[] b = want.bbox();
                assertTrue(b[0] >= 0 && b[1] >= 0 && b[2] > 0 && b[3] > 0 && b[0] + b[2] <= size[0] && b[1] + b[3] <= size[1],
                        want.questionId() + ": box inside the image");
            }
        }
        assertTrue(bytes < 1_500_000, "the sample stays small: " + bytes + " bytes");
    }

    private static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>();
        for (float v : values) out.add(v);
        return out;
    }
}
