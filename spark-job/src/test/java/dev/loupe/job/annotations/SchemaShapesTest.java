package dev.loupe.job.annotations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.loupe.udf.AnnotationSchema;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class SchemaShapesTest {
    private static final Schema CONTRACT = AnnotationSchema.avro();

    @Test
    void recordNamesAndMissingFieldsDoNotMatter() {
        Schema spark = SchemaBuilder.record("spark_schema").fields()
                .optionalString("image_id")
                .name("boxes").type().optional().array().items(SchemaBuilder.record("element").fields()
                        .optionalString("label").optionalFloat("x0").endRecord())
                .endRecord();
        assertNull(SchemaShapes.mismatch(CONTRACT, spark, ""));
    }

    @Test
    void aNestedFieldOfAnotherTypeIsNamedWithItsPath() {
        Schema doubles = SchemaBuilder.record("r").fields()
                .name("boxes").type().optional().array().items(SchemaBuilder.record("element").fields()
                        .optionalDouble("x0").endRecord())
                .endRecord();
        assertEquals("column boxes[].x0 is double, float expected", SchemaShapes.mismatch(CONTRACT, doubles, ""));
    }

    /** A list of nullable ints as parquet-avro reads Spark's three-level lists: one-field records around each value. */
    @Test
    void aListOfWrappedPrimitivesMatchesAListOfPrimitives() {
        Schema wrapped = SchemaBuilder.record("r").fields()
                .name("depth").type().optional().record("depth").fields()
                .name("codes").type().optional().array().items(SchemaBuilder.record("list").fields().optionalInt("element").endRecord())
                .endRecord().endRecord();
        assertNull(SchemaShapes.mismatch(CONTRACT, wrapped, ""));
        Schema strings = SchemaBuilder.record("r").fields()
                .name("depth").type().optional().record("depth").fields()
                .name("codes").type().optional().array().items(SchemaBuilder.record("list").fields().optionalString("element").endRecord())
                .endRecord().endRecord();
        assertEquals("column depth.codes[] is string, int expected", SchemaShapes.mismatch(CONTRACT, strings, ""));
    }
}
