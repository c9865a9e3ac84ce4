package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Masks from a map of class indices: one COCO-RLE mask per class name with pixels, none for {@code <BG>}. */
public final class ClassMasks {
    private ClassMasks() {}

    /**
     * @param labels  per pixel, row-major: an index into {@code classes}, or any other value for no class
     * @param classes the class names; names given twice share one mask
     * @return the masks in the order their classes are first named
     */
    public static List<Annotation.Mask> of(int[] labels, List<String> classes, int width, int height) {
        int pixels = width * height;
        Map<String, byte[]> byName = new LinkedHashMap<>();
        for (String name : classes) if (!name.equals(SegmentationAnswers.BACKGROUND)) byName.putIfAbsent(name, null);
        for (int p = 0; p < pixels; p++) {
            int c = labels[p];
            if (c < 0 || c >= classes.size()) continue;
            String name = classes.get(c);
            if (name.equals(SegmentationAnswers.BACKGROUND)) continue;
            byte[] mask = byName.get(name);
            if (mask == null) byName.put(name, mask = new byte[pixels]);
            mask[p] = 1;
        }
        List<Annotation.Mask> masks = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : byName.entrySet()) {
            if (e.getValue() != null) masks.add(new Annotation.Mask(e.getKey(), height, width, CocoRle.encode(e.getValue(), width, height)));
        }
        return masks;
    }
}
