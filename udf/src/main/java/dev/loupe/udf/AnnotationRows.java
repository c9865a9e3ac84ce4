package dev.loupe.udf;

import dev.loupe.engine.task.Annotation;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns an engine {@link Annotation}, or the reason a row failed, into a Spark row of
 * {@link AnnotationSchema#resultType()}. Fields are set by name, so a field renamed in the .avsc
 * and not here fails loudly instead of shifting columns.
 */
final class AnnotationRows {
    private static final StructType RESULT = AnnotationSchema.resultType();
    private static final StructType BOX = elementStruct("boxes");
    private static final StructType POINT = elementStruct("points");
    private static final StructType MASK = elementStruct("masks");
    private static final StructType LABEL = elementStruct("labels");
    private static final StructType PERSON = elementStruct("keypoints");
    private static final StructType DEPTH = (StructType) RESULT.apply("depth").dataType();
    private static final StructType KEYPOINT = (StructType) ((ArrayType) PERSON.apply("points").dataType()).elementType();

    private AnnotationRows() {}

    static Row success(Annotation a, String model, double seconds) {
        return new Builder(RESULT)
                .set("task", a.task())
                .set("prompt", a.prompt())
                .set("text", a.text())
                .set("boxes", rows(a.boxes(), AnnotationRows::box))
                .set("points", rows(a.points(), AnnotationRows::point))
                .set("count", a.count())
                .set("masks", rows(a.masks(), AnnotationRows::mask))
                .set("image_width", a.imageWidth())
                .set("image_height", a.imageHeight())
                .set("prompt_tokens", a.promptTokens())
                .set("generated_tokens", a.generatedTokens())
                .set("finish_reason", a.finishReason())
                .set("model", model)
                .set("seconds", seconds)
                .set("image_tokens", a.stages() == null ? null : a.stages().imagePositions())
                .set("encode_seconds", a.stages() == null ? null : a.stages().encodeSeconds())
                .set("prefill_seconds", a.stages() == null ? null : a.stages().prefillSeconds())
                .set("decode_seconds", a.stages() == null ? null : a.stages().decodeSeconds())
                .set("keypoints", rows(a.keypoints(), AnnotationRows::person))
                .set("parse_error", a.parseError())
                .set("depth", a.depth() == null ? null : depth(a.depth()))
                .set("mean_logprob", a.confidence() == null ? null : a.confidence().meanLogprob())
                .set("min_logprob", a.confidence() == null ? null : a.confidence().minLogprob())
                .set("labels", rows(a.labels(), AnnotationRows::label))
                .build();
    }

    /** A row with {@code error} set and every result field null. */
    static Row failure(String task, String prompt, String model, String error, double seconds) {
        return new Builder(RESULT)
                .set("task", task)
                .set("prompt", prompt)
                .set("model", model)
                .set("error", error)
                .set("seconds", seconds)
                .build();
    }

    private static Row box(Annotation.Box b) {
        return new Builder(BOX).set("label", b.label()).set("x0", b.x0()).set("y0", b.y0())
                .set("x1", b.x1()).set("y1", b.y1()).set("score", b.score()).build();
    }

    private static Row point(Annotation.Point p) {
        return new Builder(POINT).set("label", p.label()).set("x", p.x()).set("y", p.y()).build();
    }

    private static Row label(Annotation.Label l) {
        return new Builder(LABEL).set("label", l.label()).set("probability", l.probability()).build();
    }

    private static Row person(Annotation.Person p) {
        return new Builder(PERSON).set("x0", p.x0()).set("y0", p.y0()).set("x1", p.x1()).set("y1", p.y1())
                .set("points", rows(p.points(), AnnotationRows::keypoint)).build();
    }

    private static Row keypoint(Annotation.Keypoint k) {
        return new Builder(KEYPOINT).set("name", k.name()).set("x", k.x()).set("y", k.y()).set("visibility", k.visibility()).build();
    }

    private static Row depth(Annotation.Depth d) {
        return new Builder(DEPTH).set("grid_height", d.gridHeight()).set("grid_width", d.gridWidth())
                .set("codes", CollectionConverters.asScala(java.util.Arrays.stream(d.codes()).boxed().toList()).toSeq()).build();
    }

    private static Row mask(Annotation.Mask m) {
        return new Builder(MASK).set("label", m.label()).set("height", m.height()).set("width", m.width())
                .set("counts", m.counts()).build();
    }

    /**
     * A Scala Seq, not a Java List: Spark's row encoder (the job's partition path) only takes
     * Scala collections for arrays, and the UDF path takes both.
     */
    private static <T> Seq<Row> rows(List<T> items, Function<T, Row> toRow) {
        return items == null ? null : CollectionConverters.asScala(items.stream().map(toRow).toList()).toSeq();
    }

    private static StructType elementStruct(String arrayField) {
        return (StructType) ((ArrayType) RESULT.apply(arrayField).dataType()).elementType();
    }

    /** Fills a row of a struct type by field name; unknown names are a programming error. */
    private static final class Builder {
        private final StructType type;
        private final Object[] values;

        Builder(StructType type) {
            this.type = type;
            this.values = new Object[type.size()];
        }

        Builder set(String field, Object value) {
            int i;
            try {
                i = type.fieldIndex(field);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("field " + field + " is not in " + AnnotationSchema.RESOURCE + " (" + type.simpleString() + ")", e);
            }
            values[i] = value;
            return this;
        }

        Row build() {
            return new GenericRowWithSchema(values, type);
        }
    }
}
