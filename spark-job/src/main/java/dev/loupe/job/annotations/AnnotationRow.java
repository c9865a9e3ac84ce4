package dev.loupe.job.annotations;

import dev.loupe.engine.task.Annotation;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * One row of an annotation table ({@code schemas/annotation.avsc}) as the single-machine tools
 * read it, with the engine's own box, mask, point and person records. A list is null when the
 * row's task does not produce it (or the column was not read), empty when the model found none.
 *
 * <p>A geometry entry missing a coordinate or a mask missing its size or counts is refused with
 * the row and entry named: a box without {@code x1} cannot be drawn or exported, and guessing one
 * would hide a broken writer.
 */
public record AnnotationRow(String imageId, String task, String prompt, String text, List<Annotation.Box> boxes,
                            List<Annotation.Point> points, Integer count, List<Annotation.Mask> masks,
                            List<Annotation.Person> persons, Integer imageWidth, Integer imageHeight,
                            Integer promptTokens, Integer generatedTokens, String finishReason, String model,
                            String error, String parseError, Double seconds, Float meanLogprob, Float minLogprob) {

    /** A row read by parquet-avro; fields absent from {@code r}'s schema (not projected) read as null. */
    public static AnnotationRow fromAvro(GenericRecord r) {
        String id = string(r, "image_id");
        Entries e = new Entries(id);
        return new AnnotationRow(id, string(r, "task"), string(r, "prompt"), string(r, "text"),
                e.list(r, "boxes", e::box), e.list(r, "points", e::point), integer(r, "count"),
                e.list(r, "masks", e::mask), e.list(r, "keypoints", e::person),
                integer(r, "image_width"), integer(r, "image_height"), integer(r, "prompt_tokens"),
                integer(r, "generated_tokens"), string(r, "finish_reason"), string(r, "model"),
                string(r, "error"), string(r, "parse_error"), (Double) value(r, "seconds"),
                (Float) value(r, "mean_logprob"), (Float) value(r, "min_logprob"));
    }

    /** Whether the image's size is known (rows that failed before decoding have none). */
    public boolean hasSize() {
        return imageWidth != null && imageHeight != null && imageWidth > 0 && imageHeight > 0;
    }

    private static Object value(GenericRecord r, String field) {
        return r.hasField(field) ? r.get(field) : null;
    }

    private static String string(GenericRecord r, String field) {
        Object v = value(r, field);
        return v == null ? null : v.toString(); // Avro strings are Utf8 unless told otherwise
    }

    private static Integer integer(GenericRecord r, String field) {
        return (Integer) value(r, field);
    }

    /** Converts the list entries of one row, naming the row and entry in every complaint. */
    private record Entries(String imageId) {
        interface Converter<T> {
            T convert(GenericRecord entry, String where);
        }

        <T> List<T> list(GenericRecord r, String field, Converter<T> converter) {
            Object v = value(r, field);
            if (v == null) return null;
            List<T> out = new ArrayList<>();
            int i = 0;
            for (Object entry : (List<?>) v) {
                String where = field + "[" + i++ + "]";
                if (entry == null) throw problem(where, "is null");
                out.add(converter.convert((GenericRecord) entry, where));
            }
            return out;
        }

        Annotation.Box box(GenericRecord b, String where) {
            return new Annotation.Box(string(b, "label"), coordinate(b, "x0", where), coordinate(b, "y0", where),
                    coordinate(b, "x1", where), coordinate(b, "y1", where), (Float) value(b, "score"));
        }

        Annotation.Point point(GenericRecord p, String where) {
            return new Annotation.Point(string(p, "label"), coordinate(p, "x", where), coordinate(p, "y", where));
        }

        Annotation.Mask mask(GenericRecord m, String where) {
            Integer height = integer(m, "height"), width = integer(m, "width");
            String counts = string(m, "counts");
            if (height == null || width == null || counts == null) throw problem(where, "needs height, width and counts");
            return new Annotation.Mask(string(m, "label"), height, width, counts);
        }

        Annotation.Person person(GenericRecord p, String where) {
            List<Annotation.Keypoint> keypoints = list(p, "points", (k, w) -> new Annotation.Keypoint(string(k, "name"),
                    coordinate(k, "x", where + "." + w), coordinate(k, "y", where + "." + w), (Float) value(k, "visibility")));
            return new Annotation.Person(coordinate(p, "x0", where), coordinate(p, "y0", where), coordinate(p, "x1", where),
                    coordinate(p, "y1", where), keypoints == null ? List.of() : keypoints);
        }

        private float coordinate(GenericRecord r, String field, String where) {
            Float v = (Float) value(r, field);
            if (v == null) throw problem(where, "has no " + field);
            return v;
        }

        private IllegalArgumentException problem(String where, String what) {
            return new IllegalArgumentException("row " + imageId + ": " + where + " " + what);
        }
    }
}
