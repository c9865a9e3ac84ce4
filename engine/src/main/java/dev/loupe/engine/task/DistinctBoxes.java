package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Boxes without repeats: a model stuck in a loop writes the same entry again and again (same
 * label, same corners), which would count one object many times and add false detections. Two
 * boxes with the same corners but different labels are different answers and both stay.
 */
public final class DistinctBoxes {
    private DistinctBoxes() {}

    /** {@code boxes} in order, each box equal in label and corners to an earlier one left out (the first one's score kept). */
    public static List<Annotation.Box> of(List<Annotation.Box> boxes) {
        Set<List<Object>> seen = new HashSet<>();
        List<Annotation.Box> out = new ArrayList<>();
        for (Annotation.Box b : boxes) {
            if (seen.add(Arrays.asList(b.label(), b.x0(), b.y0(), b.x1(), b.y1()))) out.add(b);
        }
        return out;
    }
}
