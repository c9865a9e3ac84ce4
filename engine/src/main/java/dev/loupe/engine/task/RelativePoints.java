package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Points from a pointing answer in Qwen3-VL's format: JSON objects with {@code "point_2d": [x,
 * y]} and an optional {@code "label"}, on the same 0..1000 scale of the image the model saw as
 * its boxes ({@link RelativeBoxes}). Read entry by entry, not as one JSON document, so that code
 * fences, prose around the JSON and a list cut off by the token limit lose only what is broken.
 * An entry repeating an earlier one (same label, same numbers: a model looping) is dropped.
 */
public final class RelativePoints {
    private static final String NUMBER = "\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*";
    private static final Pattern POINT = Pattern.compile("\"point_2d\"\\s*:\\s*\\[" + NUMBER + "," + NUMBER + "\\]");

    private RelativePoints() {}

    /** The distinct points of {@code answer}, in original-image pixels through {@code frame}, in the answer's order. */
    public static List<Annotation.Point> parse(String answer, ImageFrame frame) {
        List<Annotation.Point> out = new ArrayList<>();
        if (answer == null) return out;
        Set<List<String>> seen = new HashSet<>();
        for (Matcher m = POINT.matcher(answer); m.find(); ) {
            String label = RelativeBoxes.labelNear(answer, m.start(), m.end());
            if (!seen.add(Arrays.asList(label, m.group(1), m.group(2)))) continue;
            out.add(new Annotation.Point(label, frame.imageX(Float.parseFloat(m.group(1)) / RelativeBoxes.SCALE),
                    frame.imageY(Float.parseFloat(m.group(2)) / RelativeBoxes.SCALE)));
        }
        return out;
    }

    /**
     * What in {@code answer} did not parse into points, or null: no {@code "point_2d"} at all, or
     * entries that are not two numbers (one cut off by the token limit included).
     */
    public static String problem(String answer) {
        if (answer == null) return "no answer";
        int opened = AnswerProblems.occurrences(answer, "\"point_2d\"");
        if (opened == 0) return "no \"point_2d\" in the answer";
        int parsed = 0;
        for (Matcher m = POINT.matcher(answer); m.find(); ) parsed++;
        boolean cutOff = opened > parsed && answer.indexOf(']', answer.lastIndexOf("\"point_2d\"")) < 0;
        return AnswerProblems.badEntries(opened - parsed, opened, "\"point_2d\" entries", "two numbers", cutOff);
    }
}
