package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Depth maps from Youtu-VL's depth answers (spec §1.3): {@code <depth>…<mask>(v,n)…</mask>}, the
 * runs laid row-major over a grid of {@code (H / 16) x (W / 16)} cells of the original image
 * (floor division), each value an unsigned 16-bit depth code. The codes are kept as the model
 * gives them: the official demo notes they are log-quantized depth for a 2000 px focal length,
 * but its dequantization is not published, so turning codes into metres is left to the reader.
 */
public final class DepthAnswers {
    /** Side of the square of original-image pixels one depth code stands for. */
    public static final int CELL = 16;
    private static final int MAX_CODE = 0xFFFF;

    private DepthAnswers() {}

    /**
     * The depth grid of an answer and what did not parse.
     *
     * @param depth   the grid (cells the runs do not reach hold 0), or null when the answer has no mask or the image is under 16 px
     * @param problem what did not parse, or null
     */
    public record Result(Annotation.Depth depth, String problem) {}

    /** The depth grid of {@code answer} for an image of {@code width x height} pixels. */
    public static Result parse(String answer, int width, int height) {
        RunLengthAnswer parsed = RunLengthAnswer.parse(answer);
        if (!parsed.hasMask()) return new Result(null, "no <mask> in the answer");
        int gridWidth = width / CELL, gridHeight = height / CELL;
        if (gridWidth == 0 || gridHeight == 0) {
            return new Result(null, "the " + width + "x" + height + " image is smaller than one " + CELL + "x" + CELL + " depth cell");
        }
        int cells = gridWidth * gridHeight;
        int[] codes = parsed.expand(cells);
        int outOfRange = 0;
        for (int i = 0; i < cells; i++) {
            if (codes[i] < 0) codes[i] = 0;
            else if (codes[i] > MAX_CODE) {
                codes[i] = MAX_CODE;
                outOfRange++;
            }
        }
        List<String> problems = new ArrayList<>();
        if (!parsed.depth()) problems.add("no <depth> before the mask (its runs read as depth codes)");
        if (outOfRange > 0) problems.add(outOfRange + " cells have codes above " + MAX_CODE + " (clamped)");
        String coverage = parsed.coverageProblem(cells, "the " + gridWidth + "x" + gridHeight + " depth grid");
        if (coverage != null) problems.add(coverage.replace("left unassigned", "left 0"));
        return new Result(new Annotation.Depth(gridHeight, gridWidth, codes), problems.isEmpty() ? null : String.join("; ", problems));
    }
}
