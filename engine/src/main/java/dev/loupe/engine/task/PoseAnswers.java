package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Persons and keypoints in Youtu-VL's pose answers (spec §1.3; the demo's MPII prompt):
 * {@code <person><box><x_a><y_b><x_c><y_d></box><kpt><x_e><y_f><v_g></kpt>…</person>}, the 16
 * MPII joints in {@link #MPII_JOINTS} order, each a pair of coordinate tokens (resized-image
 * pixels, mapped to the original image like boxes) and a visibility kept as the model gives it.
 * The keypoints of a person are every (x, y[, v]) inside its {@code <kpt>} blocks, whether one
 * block holds them all or each holds one. A person without a whole box is skipped; one with
 * another number of keypoints than 16 is kept, named in {@link #problem}.
 */
public final class PoseAnswers {
    /** MPII Human Pose's joints, in the order the Youtu-VL prompt asks for them. */
    public static final List<String> MPII_JOINTS = List.of("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee",
            "left_ankle", "pelvis", "thorax", "upper_neck", "head_top", "right_wrist", "right_elbow", "right_shoulder",
            "left_shoulder", "left_elbow", "left_wrist");

    private static final Pattern PERSON = Pattern.compile("<person>(.*?)(?:</person>|$)", Pattern.DOTALL);
    private static final Pattern BOX = Pattern.compile("<box>\\s*<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>\\s*<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>\\s*</box>");
    private static final Pattern KPT = Pattern.compile("<kpt>(.*?)(?:</kpt>|$)", Pattern.DOTALL);
    private static final Pattern POINT = Pattern.compile("<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>(?:\\s*<v_(\\d+(?:\\.\\d+)?)>)?");

    private PoseAnswers() {}

    /** The persons of {@code answer}, in original-image pixels through {@code frame}. */
    public static List<Annotation.Person> parse(String answer, ImageFrame frame) {
        List<Annotation.Person> out = new ArrayList<>();
        if (answer == null) return out;
        Matcher person = PERSON.matcher(answer);
        while (person.find()) {
            String body = person.group(1);
            Matcher box = BOX.matcher(body);
            if (!box.find()) continue;
            float ax = x(box.group(1), frame), ay = y(box.group(2), frame), bx = x(box.group(3), frame), by = y(box.group(4), frame);
            List<Annotation.Keypoint> points = new ArrayList<>();
            for (Matcher kpt = KPT.matcher(body.substring(box.end())); kpt.find(); ) {
                for (Matcher p = POINT.matcher(kpt.group(1)); p.find(); ) {
                    int i = points.size();
                    points.add(new Annotation.Keypoint(i < MPII_JOINTS.size() ? MPII_JOINTS.get(i) : null, x(p.group(1), frame),
                            y(p.group(2), frame), p.group(3) == null ? null : Float.parseFloat(p.group(3))));
                }
            }
            out.add(new Annotation.Person(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by), points));
        }
        return out;
    }

    /** What in {@code answer} did not parse into whole persons, or null. */
    public static String problem(String answer) {
        if (answer == null) return "no answer";
        int persons = AnswerProblems.occurrences(answer, "<person>");
        if (persons == 0) return "no <person> in the answer";
        int noBox = 0, wrongCount = 0;
        for (Matcher person = PERSON.matcher(answer); person.find(); ) {
            Matcher box = BOX.matcher(person.group(1));
            if (!box.find()) {
                noBox++;
                continue;
            }
            int n = 0;
            for (Matcher kpt = KPT.matcher(person.group(1).substring(box.end())); kpt.find(); ) {
                for (Matcher p = POINT.matcher(kpt.group(1)); p.find(); ) n++;
            }
            if (n != MPII_JOINTS.size()) wrongCount++;
        }
        boolean cutOff = AnswerProblems.endsInside(answer, "<person>", "</person>");
        List<String> problems = new ArrayList<>();
        if (noBox > 0) problems.add(AnswerProblems.badEntries(noBox, persons, "persons", "with a whole box (skipped)", false));
        if (wrongCount > 0) problems.add(AnswerProblems.badEntries(wrongCount, persons, "persons", "with " + MPII_JOINTS.size() + " keypoints", false));
        if (problems.isEmpty()) return cutOff ? "the answer ends inside a <person>" : null;
        return String.join("; ", problems) + (cutOff ? " (the answer ends inside one)" : "");
    }

    private static float x(String token, ImageFrame frame) {
        return frame.imageX(Integer.parseInt(token) / (float) frame.canvasWidth());
    }

    private static float y(String token, ImageFrame frame) {
        return frame.imageY(Integer.parseInt(token) / (float) frame.canvasHeight());
    }
}
