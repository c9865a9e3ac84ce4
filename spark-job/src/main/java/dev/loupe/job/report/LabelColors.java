package dev.loupe.job.report;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A colour per label, the same on every figure of a page: labels take the palette's colours in
 * the order they first occur. The palette avoids {@link Overlay#TRUTH_COLOR}'s green, so a
 * prediction is never mistaken for ground truth.
 */
public final class LabelColors {
    static final List<String> PALETTE = List.of("#ff3b30", "#ffcc00", "#af52de", "#ff9500", "#00c7be", "#ff2d55",
            "#a2845e", "#5ac8fa");

    private final Map<String, String> byLabel = new HashMap<>();

    /** The colour of {@code label}; null and blank labels share one. */
    public String of(String label) {
        String key = label == null ? "" : label.strip();
        return byLabel.computeIfAbsent(key, k -> PALETTE.get(byLabel.size() % PALETTE.size()));
    }
}
