package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Masks from Youtu-VL's dense segmentation answers (semantic segmentation, the "core target"
 * pass, the first pass of open-set segmentation; spec §1.3):
 * {@code <ref>c0</ref><ref>c1</ref>…<mask>(v,n)…</mask>}, the runs laid row-major over the
 * original image, each value an index into the {@code <ref>} list. One mask per class named
 * (COCO RLE, labelled with the class's name; classes named twice share one mask), none for
 * {@code <BG>}, the background.
 *
 * <p>The demo's {@code <FG>}-first flip (when the first class is {@code <FG>} it rewrites each
 * value v as |v - 1| so that 1 always means foreground) needs no special case here: masks are
 * taken by class name, so the {@code <FG>} mask is the same whichever order the two classes come
 * in.
 */
public final class SegmentationAnswers {
    /** The background class, which gets no mask. */
    public static final String BACKGROUND = "<BG>";
    /** The foreground class of a core-target answer. */
    public static final String FOREGROUND = "<FG>";

    private SegmentationAnswers() {}

    /**
     * The masks of a dense segmentation answer and what did not parse.
     *
     * @param masks   one mask per class with pixels (background excepted), in the order first named
     * @param problem what did not parse (no mask, runs naming no class, runs not covering the image), or null
     */
    public record Result(List<Annotation.Mask> masks, String problem) {}

    /** The masks of {@code answer} over an image of {@code width x height} pixels. */
    public static Result masks(String answer, int width, int height) {
        RunLengthAnswer parsed = RunLengthAnswer.parse(answer);
        if (!parsed.hasMask()) return new Result(List.of(), "no <mask> in the answer");
        int pixels = Math.multiplyExact(width, height);
        int[] labels = parsed.expand(pixels);
        List<String> classes = parsed.classes();
        int unnamedRuns = 0;
        for (int v : parsed.values()) if (v >= classes.size()) unnamedRuns++;
        List<Annotation.Mask> masks = ClassMasks.of(labels, classes, width, height);
        List<String> problems = new ArrayList<>();
        if (unnamedRuns > 0) {
            problems.add(unnamedRuns + " of " + parsed.values().length + " runs name no class (the answer names " + classes.size()
                    + "; their pixels are in no mask)");
        }
        String coverage = parsed.coverageProblem(pixels, "the " + width + "x" + height + " image");
        if (coverage != null) problems.add(coverage);
        return new Result(masks, problems.isEmpty() ? null : String.join("; ", problems));
    }

    /** The classes an answer names in {@code <ref>} before its mask (or in all of it, when it has none), in order. */
    public static List<String> namedClasses(String answer) {
        return RunLengthAnswer.parse(answer).classes();
    }
}
