package dev.loupe.engine.eval;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Totals per split and overall. Mergeable, so each Spark partition keeps one and the driver adds
 * them up. A null box or mask result means that metric was not evaluated for the sample.
 */
public final class Scoreboard implements Serializable {
    /** Split names, sorted; the overall totals are kept apart. */
    private final TreeMap<String, BoxTotals> boxesBySplit = new TreeMap<>();
    private final TreeMap<String, MaskTotals> masksBySplit = new TreeMap<>();
    private final BoxTotals boxes = new BoxTotals();
    private final MaskTotals masks = new MaskTotals();

    public void add(String split, BoxResult box, MaskResult mask) {
        java.util.Objects.requireNonNull(split, "split");
        if (box != null) {
            boxes.add(box);
            boxesBySplit.computeIfAbsent(split, s -> new BoxTotals()).add(box);
        }
        if (mask != null) {
            masks.add(mask);
            masksBySplit.computeIfAbsent(split, s -> new MaskTotals()).add(mask);
        }
    }

    public Scoreboard merge(Scoreboard other) {
        boxes.merge(other.boxes);
        masks.merge(other.masks);
        other.boxesBySplit.forEach((s, t) -> boxesBySplit.computeIfAbsent(s, k -> new BoxTotals()).merge(t));
        other.masksBySplit.forEach((s, t) -> masksBySplit.computeIfAbsent(s, k -> new MaskTotals()).merge(t));
        return this;
    }

    public BoxTotals boxes() {
        return boxes;
    }

    public MaskTotals masks() {
        return masks;
    }

    /** REC totals by split name, sorted by name; empty when no box was evaluated. */
    public Map<String, BoxTotals> boxesBySplit() {
        return java.util.Collections.unmodifiableMap(boxesBySplit);
    }

    /** RES totals by split name; empty when no mask was evaluated. */
    public Map<String, MaskTotals> masksBySplit() {
        return java.util.Collections.unmodifiableMap(masksBySplit);
    }
}
