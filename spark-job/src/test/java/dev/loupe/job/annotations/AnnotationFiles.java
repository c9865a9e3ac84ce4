package dev.loupe.job.annotations;

import dev.loupe.udf.AnnotationSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Annotation rows with known values, written straight to Parquet through schemas/annotation.avsc
 * (three-level lists, as Spark writes them), so the tools' tests check hand-computed geometry
 * without running a model.
 */
public final class AnnotationFiles {
    private static final Schema ROW = AnnotationSchema.avro();

    private AnnotationFiles() {}

    /** A successful row of {@code task} on a {@code width x height} image. */
    public static GenericRecord row(String imageId, String task, int width, int height) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("image_id", imageId);
        r.put("task", task);
        r.put("image_width", width);
        r.put("image_height", height);
        return r;
    }

    /** A row that failed before its image was decoded. */
    public static GenericRecord failed(String imageId, String task, String error) {
        GenericRecord r = new GenericData.Record(ROW);
        r.put("image_id", imageId);
        r.put("task", task);
        r.put("error", error);
        return r;
    }

    public static GenericRecord box(String label, float x0, float y0, float x1, float y1, Float score) {
        GenericRecord b = new GenericData.Record(element("boxes"));
        b.put("label", label);
        b.put("x0", x0);
        b.put("y0", y0);
        b.put("x1", x1);
        b.put("y1", y1);
        b.put("score", score);
        return b;
    }

    public static GenericRecord point(String label, float x, float y) {
        GenericRecord p = new GenericData.Record(element("points"));
        p.put("label", label);
        p.put("x", x);
        p.put("y", y);
        return p;
    }

    public static GenericRecord mask(String label, int height, int width, String counts) {
        GenericRecord m = new GenericData.Record(element("masks"));
        m.put("label", label);
        m.put("height", height);
        m.put("width", width);
        m.put("counts", counts);
        return m;
    }

    public static GenericRecord person(float x0, float y0, float x1, float y1, List<GenericRecord> keypoints) {
        GenericRecord p = new GenericData.Record(element("keypoints"));
        p.put("x0", x0);
        p.put("y0", y0);
        p.put("x1", x1);
        p.put("y1", y1);
        p.put("points", keypoints);
        return p;
    }

    public static GenericRecord keypoint(String name, float x, float y, Float visibility) {
        Schema person = element("keypoints");
        GenericRecord k = new GenericData.Record(nonNull(nonNull(person.getField("points").schema()).getElementType()));
        k.put("name", name);
        k.put("x", x);
        k.put("y", y);
        k.put("visibility", visibility);
        return k;
    }

    /** Sets a list column of {@code row}. */
    public static GenericRecord with(GenericRecord row, String column, List<GenericRecord> entries) {
        row.put(column, new ArrayList<>(entries));
        return row;
    }

    public static void write(Path file, List<GenericRecord> rows) throws IOException {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(ROW).withDataModel(GenericData.get()).withConf(conf).build()) {
            for (GenericRecord r : rows) w.write(r);
        }
    }

    private static Schema element(String column) {
        return nonNull(nonNull(ROW.getField(column).schema()).getElementType());
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) return s;
        for (Schema t : s.getTypes()) if (t.getType() != Schema.Type.NULL) return t;
        throw new IllegalArgumentException(s.toString());
    }
}
