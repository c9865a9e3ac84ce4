package dev.loupe.job.coco;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.loupe.engine.task.Annotation;
import dev.loupe.job.annotations.AnnotationRow;
import dev.loupe.job.annotations.AnnotationTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/**
 * An annotation table as a COCO dataset JSON: {@code images}, {@code annotations} (boxes as
 * {@code bbox} [x, y, width, height] in pixels, masks as compressed-RLE {@code segmentation}
 * with pycocotools' {@code area} and {@code bbox}, persons with {@code keypoints} as flat
 * [x, y, v, ...] triples, a box's {@code score} when the model gave one) and {@code categories}.
 * The row's task, prompt, answer and errors go into each image's {@code loupe} object, which COCO
 * readers ignore. Points have no COCO form and are counted, not written.
 *
 * <p>Rows stream through twice — the images from a few columns, then the annotations — so a table
 * of any size is exported in constant memory; image {@code i} of both passes is the table's
 * {@code i}-th row. The JSON goes to a temporary file that is read back and checked (see
 * {@link CocoReadBack}) before it replaces {@code output}: a failure leaves no half-written file.
 */
public final class CocoExport {
    /** What was written. */
    public record Counts(long images, long boxes, long masks, long persons, int categories, long pointsLeftOut) {
        public long annotations() {
            return boxes + masks + persons;
        }
    }

    private static final List<String> IMAGE_COLUMNS = List.of("image_id", "task", "prompt", "text", "image_width",
            "image_height", "model", "error", "parse_error");
    private static final List<String> ANNOTATION_COLUMNS = List.of("image_id", "boxes", "points", "masks", "keypoints");

    private CocoExport() {}

    public static Counts run(CocoExportOptions o) {
        AnnotationTable table = AnnotationTable.open(o.input());
        if (Files.exists(o.output()) && !o.overwrite()) {
            throw new IllegalArgumentException(o.output() + " exists; pass --overwrite to replace it");
        }
        Path tmp = o.output().resolveSibling("." + o.output().getFileName() + ".tmp");
        try {
            Counts counts = write(table, o, tmp);
            CocoReadBack.Summary back = CocoReadBack.check(tmp);
            if (back.images() != counts.images() || back.annotations() != counts.annotations() || back.categories() != counts.categories()) {
                throw new IllegalStateException("the COCO file read back holds " + back + ", not what was written: " + counts);
            }
            Files.move(tmp, o.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return counts;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.output() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the move succeeded, or the failure being reported matters more
            }
        }
    }

    private static Counts write(AnnotationTable table, CocoExportOptions o, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (JsonGenerator g = new JsonFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeObjectFieldStart("info");
            g.writeStringField("description", "Loupe annotations of " + table.location());
            g.writeStringField("date_created", Instant.now().toString());
            g.writeEndObject();

            g.writeArrayFieldStart("images");
            long[] images = {0};
            table.read(IMAGE_COLUMNS, row -> unchecked(() -> writeImage(g, ++images[0], row, o.imageRoot())));
            g.writeEndArray();

            g.writeArrayFieldStart("annotations");
            AnnotationWriter annotations = new AnnotationWriter(g);
            table.read(ANNOTATION_COLUMNS, annotations::write);
            g.writeEndArray();

            annotations.categories.write(g);
            g.writeEndObject();
            return new Counts(images[0], annotations.boxes, annotations.masks, annotations.persons,
                    annotations.categories.size(), annotations.pointsLeftOut);
        }
    }

    private static void writeImage(JsonGenerator g, long id, AnnotationRow row, Path imageRoot) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", id);
        g.writeStringField("file_name", ImageNames.fileName(row.imageId(), imageRoot));
        // COCO images have a size; a row that failed before its image was decoded has none to give.
        if (row.hasSize()) {
            g.writeNumberField("width", row.imageWidth());
            g.writeNumberField("height", row.imageHeight());
        }
        g.writeObjectFieldStart("loupe");
        g.writeStringField("image_id", row.imageId());
        stringField(g, "task", row.task());
        stringField(g, "prompt", row.prompt());
        stringField(g, "text", row.text());
        stringField(g, "model", row.model());
        stringField(g, "error", row.error());
        stringField(g, "parse_error", row.parseError());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** The second pass: one COCO annotation per box, mask and person, numbered from 1. */
    private static final class AnnotationWriter {
        final JsonGenerator g;
        final CocoCategories categories = new CocoCategories();
        long image, nextId = 1, boxes, masks, persons, pointsLeftOut;

        AnnotationWriter(JsonGenerator g) {
            this.g = g;
        }

        void write(AnnotationRow row) {
            image++;
            unchecked(() -> {
                if (row.boxes() != null) for (Annotation.Box b : row.boxes()) box(b);
                if (row.masks() != null) {
                    for (int i = 0; i < row.masks().size(); i++) mask(row.masks().get(i), "row " + row.imageId() + ": masks[" + i + "]");
                }
                if (row.persons() != null) {
                    for (int i = 0; i < row.persons().size(); i++) person(row.persons().get(i), "row " + row.imageId() + ": keypoints[" + i + "]");
                }
            });
            if (row.points() != null) pointsLeftOut += row.points().size();
        }

        private void box(Annotation.Box b) throws IOException {
            float w = b.x1() - b.x0(), h = b.y1() - b.y0();
            start(categories.idOf(b.label()));
            bbox(b.x0(), b.y0(), w, h);
            g.writeNumberField("area", w * h);
            if (b.score() != null) g.writeNumberField("score", b.score());
            g.writeEndObject();
            boxes++;
        }

        private void mask(Annotation.Mask m, String where) throws IOException {
            MaskMeasures measures;
            try {
                measures = MaskMeasures.of(m.counts(), m.height(), m.width());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            start(categories.idOf(m.label()));
            g.writeObjectFieldStart("segmentation");
            g.writeArrayFieldStart("size");
            g.writeNumber(m.height());
            g.writeNumber(m.width());
            g.writeEndArray();
            g.writeStringField("counts", m.counts());
            g.writeEndObject();
            g.writeNumberField("area", measures.area());
            g.writeArrayFieldStart("bbox");
            g.writeNumber(measures.x());
            g.writeNumber(measures.y());
            g.writeNumber(measures.width());
            g.writeNumber(measures.height());
            g.writeEndArray();
            g.writeEndObject();
            masks++;
        }

        private void person(Annotation.Person p, String where) throws IOException {
            float w = p.x1() - p.x0(), h = p.y1() - p.y0();
            start(categories.personId(p, where));
            bbox(p.x0(), p.y0(), w, h);
            g.writeNumberField("area", w * h);
            g.writeArrayFieldStart("keypoints");
            int labelled = 0;
            for (Annotation.Keypoint k : p.points()) {
                int v = CocoKeypoints.visibility(k.visibility());
                g.writeNumber(k.x());
                g.writeNumber(k.y());
                g.writeNumber(v);
                if (v > 0) labelled++;
            }
            g.writeEndArray();
            g.writeNumberField("num_keypoints", labelled);
            g.writeEndObject();
            persons++;
        }

        private void start(int category) throws IOException {
            g.writeStartObject();
            g.writeNumberField("id", nextId++);
            g.writeNumberField("image_id", image);
            g.writeNumberField("category_id", category);
            g.writeNumberField("iscrowd", 0);
        }

        private void bbox(float x, float y, float w, float h) throws IOException {
            g.writeArrayFieldStart("bbox");
            g.writeNumber(x);
            g.writeNumber(y);
            g.writeNumber(w);
            g.writeNumber(h);
            g.writeEndArray();
        }
    }

    private static void stringField(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) g.writeStringField(name, value);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void unchecked(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
