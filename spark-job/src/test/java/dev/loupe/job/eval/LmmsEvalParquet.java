package dev.loupe.job.eval;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Writes a table in the layout of lmms-eval's RefCOCO datasets (Hugging Face lmms-lab/RefCOCO):
 * question_id, image (the Image feature: a struct of bytes and path), question, answer (a list
 * of expressions), segmentation (one flat polygon), bbox (COCO x, y, w, h), iscrowd, file_name.
 * For tests and for the sample in sample-data/refcoco-sample.
 */
final class LmmsEvalParquet {
    static final Schema IMAGE = SchemaBuilder.record("Image").fields()
            .name("bytes").type().nullable().bytesType().noDefault()
            .name("path").type().nullable().stringType().noDefault().endRecord();
    static final Schema ROW = SchemaBuilder.record("RefCocoRow").fields()
            .name("question_id").type().stringType().noDefault()
            .name("image").type(IMAGE).noDefault()
            .name("question").type().stringType().noDefault()
            .name("answer").type().array().items().stringType().noDefault()
            .name("segmentation").type().array().items().floatType().noDefault()
            .name("bbox").type().array().items().floatType().noDefault()
            .name("iscrowd").type().intType().noDefault()
            .name("file_name").type().stringType().noDefault().endRecord();
    /** The instruction of lmms-eval's region-captioning task, which the lmms-lab tables carry in every row. */
    static final String QUESTION = "Please carefully observe the area circled in the image and come up with a caption for the area.";

    /** One row: an object with its expressions; {@code segmentation} may be empty (no mask). */
    record Row(String questionId, String fileName, byte[] image, List<String> answers, float[] bbox, float[] segmentation) {}

    private LmmsEvalParquet() {}

    static void write(Path file, List<Row> rows) throws IOException {
        Files.deleteIfExists(file);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(ROW).withConf(new PlainParquetConfiguration()).withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build()) {
            for (Row r : rows) {
                GenericRecord image = new GenericData.Record(IMAGE);
                image.put("bytes", ByteBuffer.wrap(r.image()));
                image.put("path", r.fileName());
                GenericRecord g = new GenericData.Record(ROW);
                g.put("question_id", r.questionId());
                g.put("image", image);
                g.put("question", QUESTION);
                g.put("answer", r.answers());
                g.put("segmentation", floats(r.segmentation()));
                g.put("bbox", floats(r.bbox()));
                g.put("iscrowd", 0);
                g.put("file_name", r.fileName());
                w.write(g);
            }
        }
    }

    private static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>();
        for (float v : values) out.add(v);
        return out;
    }
}
