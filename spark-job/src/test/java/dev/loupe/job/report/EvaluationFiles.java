package dev.loupe.job.report;

import dev.loupe.engine.task.CocoRle;
import dev.loupe.job.eval.EvaluationSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/**
 * An eval job's output written by hand: per-sample rows straight to Parquet through
 * schemas/evaluation.avsc (the contract the job writes), and a summary.json in EvalReport's
 * format, so the report's tests know every number without running Spark.
 */
final class EvaluationFiles {
    private static final Schema ROW = EvaluationSchema.avro();

    private EvaluationFiles() {}

    /** A sample with a box result; {@code truth} and {@code predicted} as x0, y0, x1, y1, or null. */
    static GenericRecord sample(String id, String imageId, String split, String outcome, double[] truth, double[] predicted, Double iou) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("sample_id", id);
        r.put("image_id", imageId);
        r.put("split", split);
        r.put("expression", "the thing of " + id);
        r.put("truth_box", box(truth));
        r.put("predicted_box", box(predicted));
        r.put("box_outcome", outcome);
        r.put("box_iou", iou);
        if (iou != null) r.put("hit_0_5", iou >= 0.5);
        return r;
    }

    /** Sets the sample's masks, each the pixels of a rectangle [x0, x1) x [y0, y1) of a {@code width x height} image. */
    static GenericRecord masks(GenericRecord r, int width, int height, int[] truth, int[] predicted, String outcome, Double iou) {
        r.put("truth_mask", mask(width, height, truth));
        r.put("predicted_mask", mask(width, height, predicted));
        r.put("mask_outcome", outcome);
        r.put("mask_iou", iou);
        return r;
    }

    static void write(Path samplesDir, List<GenericRecord> rows) throws IOException {
        Files.createDirectories(samplesDir);
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(samplesDir.resolve("part-00000.parquet")))
                .withSchema(ROW).withDataModel(GenericData.get()).withConf(new PlainParquetConfiguration()).build()) {
            for (GenericRecord r : rows) w.write(r);
        }
    }

    private static GenericRecord box(double[] b) {
        if (b == null) return null;
        GenericRecord box = new GenericData.Record(nonNull(ROW.getField("truth_box").schema()));
        box.put("x0", b[0]);
        box.put("y0", b[1]);
        box.put("x1", b[2]);
        box.put("y1", b[3]);
        return box;
    }

    private static GenericRecord mask(int width, int height, int[] rect) {
        if (rect == null) return null;
        byte[] pixels = new byte[width * height];
        for (int y = rect[1]; y < rect[3]; y++) for (int x = rect[0]; x < rect[2]; x++) pixels[y * width + x] = 1;
        GenericRecord m = new GenericData.Record(nonNull(ROW.getField("truth_mask").schema()));
        m.put("height", height);
        m.put("width", width);
        m.put("counts", CocoRle.encode(pixels, width, height));
        return m;
    }

    private static Schema nonNull(Schema s) {
        for (Schema t : s.getTypes()) if (t.getType() != Schema.Type.NULL) return t;
        throw new IllegalArgumentException(s.toString());
    }
}
