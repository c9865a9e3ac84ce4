package dev.loupe.engine.task;

import java.util.List;

/**
 * Counts from counting answers. Families that count by detecting (Qwen3-VL, Youtu-VL asked with
 * categories) give boxes: the count is the number of distinct ones ({@link DistinctBoxes}), and
 * the boxes are written too.
 * Families answering in words give the count as the answer's first number ({@link NumberInText}).
 * A count whose answer also has broken box entries is the number of whole ones, its
 * {@code parse_error} saying what was left out.
 */
public final class CountAnswers {
    /**
     * @param count   the count, or null when the answer gives none
     * @param boxes   the distinct boxes counted, or null when the answer has none (a count in words)
     * @param problem what did not parse, or null
     */
    public record Result(Integer count, List<Annotation.Box> boxes, String problem) {}

    private CountAnswers() {}

    /** A count given in words or digits: the answer's first number, code fences aside. */
    public static Result fromText(String answer) {
        Integer n = NumberInText.first(CodeFences.strip(answer));
        return new Result(n, null, n == null ? "no number in the answer" : null);
    }

    /**
     * A count of a family that detects to count: the distinct {@code boxes} parsed from an
     * answer holding {@code boxMarker} (e.g. {@code "bbox_2d"}), with the box parser's
     * {@code boxProblem}; zero for an empty JSON list; else the answer's first number, the model
     * having answered in words.
     */
    public static Result fromBoxes(String answer, String boxMarker, List<Annotation.Box> boxes, String boxProblem) {
        if (answer != null && answer.contains(boxMarker)) {
            List<Annotation.Box> distinct = DistinctBoxes.of(boxes);
            return new Result(distinct.isEmpty() ? null : distinct.size(), distinct, boxProblem);
        }
        if ("[]".equals(CodeFences.strip(answer))) return new Result(0, List.of(), null);
        Integer n = NumberInText.first(CodeFences.strip(answer));
        return new Result(n, null, n == null ? "no " + boxMarker + " and no number in the answer" : null);
    }
}
