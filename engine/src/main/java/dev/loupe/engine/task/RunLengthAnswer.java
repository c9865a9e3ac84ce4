package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dense answer of Youtu-VL (spec §1.3): the classes it names, {@code <ref>c0</ref><ref>c1</ref>…},
 * then {@code <mask>(v,n)(v,n)…</mask>}, each pair {@code n} copies of value {@code v} in row-major
 * order. For segmentation {@code v} indexes the {@code <ref>} list (0-based, in emitted order);
 * after {@code <depth>} it is a 16-bit depth code.
 *
 * <p>Read as the official demo reads it: pairs are {@code (digits, digits)} with optional
 * spaces, taken from inside {@code <mask>…</mask>}; a mask cut off by the token limit keeps the
 * pairs it has. Classes are the {@code <ref>} names before the mask. {@code <mask>} is a control
 * token in converted GGUF files, so the answer must be decoded with control tokens rendered.
 *
 * @param classes   the {@code <ref>} names before the mask, in order
 * @param values    each run's value
 * @param lengths   each run's length
 * @param hasMask   whether the answer has a {@code <mask>} at all
 * @param cutOff    whether the mask is never closed (an answer cut off by the token limit)
 * @param depth     whether {@code <depth>} comes before the mask (a depth answer)
 */
record RunLengthAnswer(List<String> classes, int[] values, long[] lengths, boolean hasMask, boolean cutOff, boolean depth) {
    private static final Pattern REF = Pattern.compile("<ref>(.*?)</ref>", Pattern.DOTALL);
    private static final Pattern PAIR = Pattern.compile("\\(\\s*(\\d{1,18})\\s*,\\s*(\\d{1,18})\\s*\\)");

    /** Values beyond this stand for no class and no 16-bit code; kept as this so they stay visible as bad. */
    static final int OUT_OF_RANGE = Integer.MAX_VALUE;

    static RunLengthAnswer parse(String answer) {
        if (answer == null) answer = "";
        int maskAt = answer.indexOf("<mask>");
        String head = maskAt < 0 ? answer : answer.substring(0, maskAt);
        List<String> classes = new ArrayList<>();
        for (Matcher m = REF.matcher(head); m.find(); ) classes.add(m.group(1).strip());
        boolean depth = head.contains("<depth>");
        if (maskAt < 0) return new RunLengthAnswer(classes, new int[0], new long[0], false, false, depth);
        int bodyStart = maskAt + "<mask>".length();
        int close = answer.indexOf("</mask>", bodyStart);
        String body = answer.substring(bodyStart, close < 0 ? answer.length() : close);
        List<long[]> pairs = new ArrayList<>();
        for (Matcher m = PAIR.matcher(body); m.find(); ) {
            pairs.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        int[] values = new int[pairs.size()];
        long[] lengths = new long[pairs.size()];
        for (int i = 0; i < values.length; i++) {
            long v = pairs.get(i)[0];
            values[i] = v >= OUT_OF_RANGE ? OUT_OF_RANGE : (int) v;
            lengths[i] = pairs.get(i)[1];
        }
        return new RunLengthAnswer(classes, values, lengths, true, close < 0, depth);
    }

    /** Cells the runs cover together (saturating: an absurd run cannot wrap around). */
    long coveredCells() {
        long total = 0;
        for (long n : lengths) total = n > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + n;
        return total;
    }

    /**
     * The runs laid out row-major over {@code cells} cells: each cell's value, or -1 where the
     * runs stop short. Runs past the last cell are dropped.
     */
    int[] expand(int cells) {
        int[] out = new int[cells];
        int at = 0;
        for (int i = 0; i < values.length && at < cells; i++) {
            int end = (int) Math.min(cells, at + lengths[i]);
            java.util.Arrays.fill(out, at, end, values[i]);
            at = end;
        }
        java.util.Arrays.fill(out, at, cells, -1);
        return out;
    }

    /**
     * How the runs fit {@code cells} cells, or null when they cover them exactly: "the mask's runs
     * cover N of C cells (…)", with the cut-off note.
     */
    String coverageProblem(int cells, String grid) {
        long covered = coveredCells();
        if (covered == cells) return null;
        String what = covered < cells ? "the rest left unassigned" : "runs past the end dropped";
        return "the mask's runs cover " + (covered == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : covered) + " of the "
                + cells + " cells of " + grid + " (" + what + ")" + (cutOff ? " (the answer ends inside the mask)" : "");
    }
}
