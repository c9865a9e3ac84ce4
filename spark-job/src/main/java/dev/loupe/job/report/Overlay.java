package dev.loupe.job.report;

import dev.loupe.engine.task.Annotation;
import dev.loupe.job.annotations.AnnotationRow;
import java.util.List;

/**
 * One layer of geometry drawn over a figure's image, in original-image pixels: boxes, points,
 * masks (COCO RLE, decoded in the browser) and persons (box, keypoints, skeleton).
 *
 * @param role  what the layer is: the model's answer, or the ground truth it is scored against
 * @param color one colour for everything in the layer (e.g. prediction red beside truth green),
 *              or null to colour each label by the page's {@link LabelColors}
 */
public record Overlay(Role role, String color, List<Annotation.Box> boxes, List<Annotation.Point> points,
                      List<Annotation.Mask> masks, List<Annotation.Person> persons) {
    /** What a layer shows; the page draws both kinds the same way, in their own colours. */
    public enum Role { PREDICTION, TRUTH }

    /** Ground truth's colour: green, as evaluation figures conventionally draw it. */
    public static final String TRUTH_COLOR = "#34c759";
    /** A prediction's colour when drawn beside ground truth. */
    public static final String PREDICTION_COLOR = "#ff3b30";

    public Overlay {
        boxes = boxes == null ? List.of() : List.copyOf(boxes);
        points = points == null ? List.of() : List.copyOf(points);
        masks = masks == null ? List.of() : List.copyOf(masks);
        persons = persons == null ? List.of() : List.copyOf(persons);
    }

    /** What the model found in an annotated row, each label in its own colour. */
    public static Overlay prediction(AnnotationRow row) {
        return new Overlay(Role.PREDICTION, null, row.boxes(), row.points(), row.masks(), row.persons());
    }

    /** Ground-truth boxes and masks (of an evaluation), in {@link #TRUTH_COLOR}. */
    public static Overlay truth(List<Annotation.Box> boxes, List<Annotation.Mask> masks) {
        return new Overlay(Role.TRUTH, TRUTH_COLOR, boxes, null, masks, null);
    }

    /** This layer with every item in {@code color}. */
    public Overlay inColor(String color) {
        return new Overlay(role, color, boxes, points, masks, persons);
    }

    public boolean isEmpty() {
        return boxes.isEmpty() && points.isEmpty() && masks.isEmpty() && persons.isEmpty();
    }
}
