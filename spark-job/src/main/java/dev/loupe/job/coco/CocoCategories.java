package dev.loupe.job.coco;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.loupe.engine.task.Annotation;
import dev.loupe.job.annotations.Skeleton;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code categories} of an export: one per label, numbered from 1 in the order the labels
 * first occur. A box or mask without a label (a grounding answer names none) goes to
 * {@value #UNLABELLED}. Persons of the pose task go to {@value #PERSON}, which then carries COCO's
 * keypoint fields: the joint names and the skeleton as 1-based index pairs.
 */
final class CocoCategories {
    static final String UNLABELLED = "object";
    static final String PERSON = "person";

    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private List<String> keypointNames;

    /** The category of a box or mask label. */
    int idOf(String label) {
        String name = label == null || label.isBlank() ? UNLABELLED : label.strip();
        return ids.computeIfAbsent(name, n -> ids.size() + 1);
    }

    /**
     * The person category, whose keypoint list is the first person's joint names. COCO gives a
     * category one keypoint list, so a person with other joints is refused, {@code where} named.
     */
    int personId(Annotation.Person person, String where) {
        List<String> names = keypointNames(person);
        if (keypointNames == null) {
            keypointNames = names;
        } else if (!keypointNames.equals(names)) {
            throw new IllegalArgumentException(where + " has keypoints " + names + ", but the person category's are "
                    + keypointNames + " (COCO gives a category one keypoint list)");
        }
        return idOf(PERSON);
    }

    int size() {
        return ids.size();
    }

    void write(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("categories");
        for (Map.Entry<String, Integer> c : ids.entrySet()) {
            g.writeStartObject();
            g.writeNumberField("id", c.getValue());
            g.writeStringField("name", c.getKey());
            g.writeStringField("supercategory", c.getKey());
            if (c.getKey().equals(PERSON) && keypointNames != null) {
                g.writeArrayFieldStart("keypoints");
                for (String n : keypointNames) g.writeString(n);
                g.writeEndArray();
                g.writeArrayFieldStart("skeleton");
                for (int[] limb : Skeleton.limbs(keypointNames)) g.writeArray(new int[] {limb[0] + 1, limb[1] + 1}, 0, 2);
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** A person's joint names, an unnamed joint called keypoint_N (1-based) after its place. */
    private static List<String> keypointNames(Annotation.Person person) {
        List<String> names = new ArrayList<>();
        for (Annotation.Keypoint k : person.points()) {
            names.add(k.name() == null || k.name().isBlank() ? "keypoint_" + (names.size() + 1) : k.name());
        }
        return names;
    }
}
