package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boxes in Youtu-VL's answer grammar (spec §1.2-1.3): {@code <box><x_a><y_b><x_c><y_d></box>},
 * top-left then bottom-right, each coordinate one vocabulary token holding a pixel of the
 * resized image the encoder saw (0..2047); a {@code <ref>label</ref>} labels the boxes that
 * follow it, up to the next one. Coordinates are mapped to original-image pixels through the
 * frame (llama.cpp, unlike the Hugging Face code, leaves them in resized pixels). A box whose
 * corners are out of order is kept with them sorted; anything that is not a whole box is
 * skipped.
 */
public final class CoordinateTokenBoxes {
    private static final Pattern REF_OR_BOX = Pattern.compile(
            "<ref>(.*?)</ref>|<box>\\s*<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>\\s*<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>\\s*</box>", Pattern.DOTALL);

    private CoordinateTokenBoxes() {}

    /** The boxes of {@code answer} in original-image pixels through {@code frame}. */
    public static List<Annotation.Box> parse(String answer, ImageFrame frame) {
        return parse(answer, frame, TokenScores.NONE);
    }

    /** As {@link #parse(String, ImageFrame)}, each box scored by the tokens that wrote its coordinates. */
    public static List<Annotation.Box> parse(String answer, ImageFrame frame, TokenScores scores) {
        List<Annotation.Box> out = new ArrayList<>();
        if (answer == null) return out;
        Matcher m = REF_OR_BOX.matcher(answer);
        String label = null;
        while (m.find()) {
            if (m.group(1) != null) {
                label = m.group(1).strip();
                continue;
            }
            float ax = frame.imageX(Integer.parseInt(m.group(2)) / (float) frame.canvasWidth());
            float ay = frame.imageY(Integer.parseInt(m.group(3)) / (float) frame.canvasHeight());
            float bx = frame.imageX(Integer.parseInt(m.group(4)) / (float) frame.canvasWidth());
            float by = frame.imageY(Integer.parseInt(m.group(5)) / (float) frame.canvasHeight());
            out.add(new Annotation.Box(label, Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by), scores.span(m.start(2), m.end(5))));
        }
        return out;
    }

    /**
     * What in {@code answer} did not parse into boxes, or null: no {@code <box>} at all, or
     * entries that are not four coordinate tokens (one cut off by the token limit included).
     */
    public static String problem(String answer) {
        if (answer == null) return "no answer";
        int opened = AnswerProblems.occurrences(answer, "<box>");
        if (opened == 0) return "no <box> in the answer";
        int parsed = 0;
        Matcher m = REF_OR_BOX.matcher(answer);
        while (m.find()) if (m.group(1) == null) parsed++;
        return AnswerProblems.badEntries(opened - parsed, opened, "<box> entries", "four coordinate tokens",
                AnswerProblems.endsInside(answer, "<box>", "</box>"));
    }
}
