package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boxes from a grounding answer in Qwen3-VL's format: JSON objects with {@code "bbox_2d": [x0,
 * y0, x1, y1]} and an optional {@code "label"}, coordinates relative to the image the model saw,
 * on a 0..1000 scale (Qwen3-VL's convention; Qwen2.5-VL used absolute pixels instead). Models
 * wrap the JSON in a Markdown fence, add prose or stop mid-list when the token limit hits, so
 * this reads every well-formed box it finds rather than parsing the answer as one document;
 * an answer without any gives an empty list, not an error (the text column keeps the answer).
 */
public final class RelativeBoxes {
    /** Qwen3-VL's coordinate scale. */
    public static final float SCALE = 1000f;

    private static final String NUMBER = "\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*";
    private static final Pattern BOX = Pattern.compile("\"bbox_2d\"\\s*:\\s*\\[" + NUMBER + "," + NUMBER + "," + NUMBER + "," + NUMBER + "\\]");
    private static final Pattern LABEL = Pattern.compile("\"label\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private RelativeBoxes() {}

    /** The boxes of {@code answer}, in original-image pixels through {@code frame}; corners ordered. */
    public static List<Annotation.Box> parse(String answer, ImageFrame frame) {
        return parse(answer, frame, TokenScores.NONE);
    }

    /** As {@link #parse(String, ImageFrame)}, each box scored by the tokens that wrote its four numbers. */
    public static List<Annotation.Box> parse(String answer, ImageFrame frame, TokenScores scores) {
        List<Annotation.Box> out = new ArrayList<>();
        if (answer == null) return out;
        Matcher m = BOX.matcher(answer);
        while (m.find()) {
            float ax = frame.imageX(Float.parseFloat(m.group(1)) / SCALE), ay = frame.imageY(Float.parseFloat(m.group(2)) / SCALE);
            float bx = frame.imageX(Float.parseFloat(m.group(3)) / SCALE), by = frame.imageY(Float.parseFloat(m.group(4)) / SCALE);
            out.add(new Annotation.Box(labelNear(answer, m.start(), m.end()), Math.min(ax, bx), Math.min(ay, by),
                    Math.max(ax, bx), Math.max(ay, by), scores.span(m.start(1), m.end(4))));
        }
        return out;
    }

    /** The label of the JSON object holding the entry at [start, end): the nearest "label" inside the same braces. */
    static String labelNear(String answer, int start, int end) {
        int open = answer.lastIndexOf('{', start), close = answer.indexOf('}', end);
        if (open < 0 || close < 0) return null;
        Matcher m = LABEL.matcher(answer.substring(open, close));
        return m.find() ? m.group(1).replace("\\\"", "\"") : null;
    }

    /**
     * What in {@code answer} did not parse into boxes, or null: no {@code "bbox_2d"} at all, or
     * entries that are not four numbers (one cut off by the token limit included).
     */
    public static String problem(String answer) {
        if (answer == null) return "no answer";
        int opened = AnswerProblems.occurrences(answer, "\"bbox_2d\"");
        if (opened == 0) return "no \"bbox_2d\" in the answer";
        int parsed = 0;
        for (Matcher m = BOX.matcher(answer); m.find(); ) parsed++;
        boolean cutOff = opened > parsed && answer.indexOf(']', answer.lastIndexOf("\"bbox_2d\"")) < 0;
        return AnswerProblems.badEntries(opened - parsed, opened, "\"bbox_2d\" entries", "four numbers", cutOff);
    }
}
