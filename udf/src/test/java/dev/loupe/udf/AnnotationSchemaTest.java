package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.task.Annotation;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class AnnotationSchemaTest {

    @Test
    void theClasspathSchemaIsTheRepositorysFile() throws Exception {
        byte[] onDisk = Files.readAllBytes(Path.of("..", "schemas", "annotation.avsc"));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(AnnotationSchema.RESOURCE)) {
            assertNotNull(in, AnnotationSchema.RESOURCE + " on the classpath");
            assertArrayEquals(onDisk, in.readAllBytes());
        }
    }

    @Test
    void sparkTypesFollowTheAvroSchema() {
        Schema avro = AnnotationSchema.avro();
        StructType row = AnnotationSchema.rowType();
        assertEquals(avro.getFields().stream().map(Schema.Field::name).toList(), Arrays.asList(row.fieldNames()));
        assertEquals("image_id", row.fieldNames()[0]);
        for (StructField f : row.fields()) assertTrue(f.nullable(), f.name() + " is nullable, as in the .avsc");

        StructType result = AnnotationSchema.resultType();
        assertEquals(row.size() - 1, result.size());
        assertEquals(List.of(row.fieldNames()).subList(1, row.size()), Arrays.asList(result.fieldNames()));

        assertEquals(DataTypes.FloatType, box().apply("x0").dataType());
        assertEquals(DataTypes.DoubleType, result.apply("seconds").dataType());
        assertEquals(DataTypes.IntegerType, result.apply("count").dataType());
        assertEquals(DataTypes.StringType, ((StructType) ((ArrayType) result.apply("masks").dataType()).elementType()).apply("counts").dataType());
        assertEquals(result, DataType.fromDDL(AnnotationSchema.resultDdl()), "the DDL handed to PySpark parses back to the same type");
    }

    @Test
    void aSuccessRowFillsEveryResultFieldButError() {
        Annotation a = new Annotation("caption", "Describe this image.", "a cat",
                List.of(new Annotation.Box("cat", 1, 2, 30, 40, 0.9f)),
                List.of(new Annotation.Point("eye", 5, 6)), 1,
                List.of(new Annotation.Mask("cat", 4, 3, "52203")), 640, 480, 77, 5, "stop",
                new Annotation.Stages(64, 1.5, 0.25, 0.5), "1 of 2 <box> entries are not four coordinate tokens",
                List.of(new Annotation.Person(1, 2, 30, 40, List.of(new Annotation.Keypoint("right_ankle", 3, 4, 0.5f)))),
                new Annotation.Depth(1, 3, new int[] {65535, 0, 12})).withConfidence(new Annotation.Confidence(-0.25f, -1.5f))
                .withLabels(List.of(new Annotation.Label("cat", 0.75f), new Annotation.Label("dog", 0.25f)));
        Row row = AnnotationRows.success(a, "m.gguf", 0.25);
        for (String name : AnnotationSchema.resultType().fieldNames()) {
            if (name.equals("error")) assertNull(row.getAs(name));
            else assertNotNull(row.getAs(name), name + " is set from the annotation");
        }
        // Scala collections, as Spark's row encoder (the job's partition path) requires.
        Row box = row.<scala.collection.Seq<Row>>getAs("boxes").head();
        assertEquals(List.of("cat", 1f, 2f, 30f, 40f, 0.9f), List.of(box.getAs("label"), box.getAs("x0"), box.getAs("y0"),
                box.getAs("x1"), box.getAs("y1"), box.getAs("score")));
        Row point = row.<scala.collection.Seq<Row>>getAs("points").head();
        assertEquals(List.of("eye", 5f, 6f), List.of(point.getAs("label"), point.getAs("x"), point.getAs("y")));
        assertEquals(1, (int) row.getAs("count"));
        Row mask = row.<scala.collection.Seq<Row>>getAs("masks").head();
        assertEquals("52203", mask.getAs("counts"));
        assertEquals(List.of(64, 1.5, 0.25, 0.5), List.of(row.getAs("image_tokens"), row.getAs("encode_seconds"),
                row.getAs("prefill_seconds"), row.getAs("decode_seconds")));
        assertEquals(4, (int) mask.getAs("height"));
        assertEquals(640, (int) row.getAs("image_width"));
        assertEquals("m.gguf", row.getAs("model"));
        assertEquals("1 of 2 <box> entries are not four coordinate tokens", row.getAs("parse_error"));
        Row person = row.<scala.collection.Seq<Row>>getAs("keypoints").head();
        assertEquals(30f, (float) person.getAs("x1"));
        Row ankle = person.<scala.collection.Seq<Row>>getAs("points").head();
        assertEquals(List.of("right_ankle", 3f, 4f, 0.5f), List.of(ankle.getAs("name"), ankle.getAs("x"), ankle.getAs("y"), ankle.getAs("visibility")));
        assertEquals(List.of(-0.25f, -1.5f), List.of(row.getAs("mean_logprob"), row.getAs("min_logprob")));
        List<Row> labels = scala.jdk.javaapi.CollectionConverters.asJava(row.<scala.collection.Seq<Row>>getAs("labels"));
        assertEquals(List.of("cat", 0.75f, "dog", 0.25f), List.of(labels.get(0).getAs("label"), labels.get(0).getAs("probability"),
                labels.get(1).getAs("label"), labels.get(1).getAs("probability")));
        Row depth = row.getAs("depth");
        assertEquals(List.of(1, 3), List.of(depth.getAs("grid_height"), depth.getAs("grid_width")));
        assertEquals(List.of(65535, 0, 12), scala.jdk.javaapi.CollectionConverters.asJava(depth.<scala.collection.Seq<Integer>>getAs("codes")));
    }

    @Test
    void aFailureRowHasTheErrorAndNoResults() {
        Row row = AnnotationRows.failure("vqa", null, "m.gguf", "task 'vqa' needs a prompt", 0.001);
        assertEquals("task 'vqa' needs a prompt", row.getAs("error"));
        assertEquals("vqa", row.getAs("task"));
        for (String name : List.of("text", "boxes", "points", "count", "masks", "image_width", "image_height",
                "prompt_tokens", "generated_tokens", "finish_reason", "labels")) {
            assertNull(row.getAs(name), name);
        }
    }

    private static StructType box() {
        return (StructType) ((ArrayType) AnnotationSchema.resultType().apply("boxes").dataType()).elementType();
    }
}
