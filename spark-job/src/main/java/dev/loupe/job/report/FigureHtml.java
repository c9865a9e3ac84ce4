package dev.loupe.job.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.engine.task.Annotation;
import dev.loupe.job.annotations.Skeleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link Figure} as HTML: the embedded image in a box of the frame's aspect ratio, and the
 * overlays as JSON in a {@code data-figure} attribute that the page's script (report.js) draws
 * over it — boxes, points and skeletons in SVG, masks decoded from their RLE into a canvas. The
 * browser does the drawing so that a page of many masks stays small (RLE strings, not pictures)
 * and the geometry stays sharp at any zoom.
 */
public final class FigureHtml {
    /** Figures fit in a square of this many CSS pixels, small images scaled up to it. */
    static final int DISPLAY_SIZE = 480;

    private static final ObjectMapper JSON = new ObjectMapper();

    private FigureHtml() {}

    public static void write(Html html, Figure f, LabelColors colors) {
        double scale = Math.min((double) DISPLAY_SIZE / f.width(), (double) DISPLAY_SIZE / f.height());
        int w = Math.max(1, (int) Math.round(f.width() * scale)), h = Math.max(1, (int) Math.round(f.height() * scale));
        html.raw("<figure class=\"loupe-figure\" data-figure=\"").text(json(f, colors)).raw("\">");
        html.raw(String.format(Locale.ROOT, "<div class=\"stage\" style=\"width:%dpx;height:%dpx\">", w, h));
        if (f.image() != null) {
            html.raw("<img alt=\"\" src=\"").raw(f.image().dataUri()).raw("\">");
        } else {
            html.element("div", "missing", f.missing());
        }
        html.raw("</div></figure>");
    }

    private static String json(Figure f, LabelColors colors) {
        ObjectNode root = JSON.createObjectNode();
        root.put("width", f.width());
        root.put("height", f.height());
        ArrayNode overlays = root.putArray("overlays");
        for (Overlay o : f.overlays()) {
            ObjectNode layer = overlays.addObject();
            layer.put("role", o.role().name().toLowerCase(Locale.ROOT));
            ArrayNode boxes = layer.putArray("boxes");
            for (Annotation.Box b : o.boxes()) {
                ObjectNode n = boxes.addObject().put("label", b.label()).put("x0", b.x0()).put("y0", b.y0()).put("x1", b.x1()).put("y1", b.y1())
                        .put("color", color(o, b.label(), colors));
                if (b.score() != null) n.put("score", b.score());
            }
            ArrayNode points = layer.putArray("points");
            for (Annotation.Point p : o.points()) {
                points.addObject().put("label", p.label()).put("x", p.x()).put("y", p.y()).put("color", color(o, p.label(), colors));
            }
            ArrayNode masks = layer.putArray("masks");
            for (Annotation.Mask m : o.masks()) {
                masks.addObject().put("label", m.label()).put("height", m.height()).put("width", m.width()).put("counts", m.counts())
                        .put("color", color(o, m.label(), colors));
            }
            ArrayNode persons = layer.putArray("persons");
            for (Annotation.Person p : o.persons()) persons.add(person(p, color(o, "person", colors)));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode person(Annotation.Person p, String color) {
        ObjectNode n = JSON.createObjectNode().put("x0", p.x0()).put("y0", p.y0()).put("x1", p.x1()).put("y1", p.y1()).put("color", color);
        ArrayNode keypoints = n.putArray("keypoints");
        List<String> names = new ArrayList<>();
        for (Annotation.Keypoint k : p.points()) {
            ObjectNode kn = keypoints.addObject().put("name", k.name()).put("x", k.x()).put("y", k.y());
            if (k.visibility() != null) kn.put("v", k.visibility());
            names.add(k.name());
        }
        ArrayNode limbs = n.putArray("limbs");
        for (int[] limb : Skeleton.limbs(names)) limbs.addArray().add(limb[0]).add(limb[1]);
        return n;
    }

    private static String color(Overlay o, String label, LabelColors colors) {
        return o.color() != null ? o.color() : colors.of(label);
    }
}
