package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Polygons in Youtu-VL's referring-segmentation answers (spec §1.3):
 * {@code <ins><poly><x_a><y_b><x_c><y_d>…</poly></ins>}, each vertex a pair of coordinate tokens
 * in the resized image's pixels. Vertices are mapped to original-image pixels as the Hugging
 * Face code rewrites coordinate tokens — {@code N * W / W_resized} rounded half to even — and
 * clamped into the image; then the polygons are filled into one mask
 * ({@link PolygonRasterizer}, OpenCV's fill, as the demo draws them). A {@code <poly>} block is
 * one polygon; an {@code <ins>} block without one is one polygon of its own coordinate pairs.
 * Unpaired tokens are ignored.
 */
public final class CoordinateTokenPolygons {
    private static final Pattern BLOCK = Pattern.compile("<poly>(.*?)(?:</poly>|$)|<ins>((?:(?!<poly>).)*?)(?:</ins>|$)", Pattern.DOTALL);
    private static final Pattern VERTEX = Pattern.compile("<x_(\\d{1,4})>\\s*<y_(\\d{1,4})>");

    private CoordinateTokenPolygons() {}

    /** The polygons of {@code answer}, each an array of (x, y) pairs in original-image pixels. */
    public static List<int[][]> parse(String answer, ImageFrame frame) {
        List<int[][]> out = new ArrayList<>();
        if (answer == null) return out;
        Matcher block = BLOCK.matcher(answer);
        while (block.find()) {
            String body = block.group(1) != null ? block.group(1) : block.group(2);
            List<int[]> vertices = new ArrayList<>();
            Matcher v = VERTEX.matcher(body);
            while (v.find()) {
                vertices.add(new int[] {
                        original(Integer.parseInt(v.group(1)), frame.imageWidth(), frame.canvasWidth()),
                        original(Integer.parseInt(v.group(2)), frame.imageHeight(), frame.canvasHeight())});
            }
            if (!vertices.isEmpty()) out.add(vertices.toArray(int[][]::new));
        }
        return out;
    }

    /** One mask of the answer's polygons (null when it has none), as COCO RLE over the original image. */
    public static Annotation.Mask mask(String answer, ImageFrame frame, String label) {
        List<int[][]> polygons = parse(answer, frame);
        if (polygons.isEmpty()) return null;
        int w = frame.imageWidth(), h = frame.imageHeight();
        byte[] pixels = new byte[w * h];
        for (int[][] polygon : polygons) {
            int[] xs = new int[polygon.length], ys = new int[polygon.length];
            for (int i = 0; i < polygon.length; i++) {
                xs[i] = polygon[i][0];
                ys[i] = polygon[i][1];
            }
            PolygonRasterizer.fill(pixels, w, h, xs, ys);
        }
        return new Annotation.Mask(label, h, w, CocoRle.encode(pixels, w, h));
    }

    /** A resized-image coordinate in original pixels, rounded half to even, inside [0, size - 1]. */
    private static int original(int resized, int size, int resizedSize) {
        return (int) Math.clamp(Math.rint((double) resized * size / resizedSize), 0, size - 1);
    }

    /**
     * What in {@code answer} did not parse into a polygon, or null: no {@code <ins>} or
     * {@code <poly>} with coordinates, or polygons of fewer than 3 vertices (filled as lines or
     * points; one cut off by the token limit included).
     */
    public static String problem(String answer) {
        if (answer == null) return "no answer";
        int total = 0, thin = 0;
        Matcher block = BLOCK.matcher(answer);
        while (block.find()) {
            String body = block.group(1) != null ? block.group(1) : block.group(2);
            int vertices = 0;
            for (Matcher v = VERTEX.matcher(body); v.find(); ) vertices++;
            if (vertices == 0) continue;
            total++;
            if (vertices < 3) thin++;
        }
        if (total == 0) return "no <ins> or <poly> polygon in the answer";
        boolean cutOff = AnswerProblems.endsInside(answer, "<poly>", "</poly>") || AnswerProblems.endsInside(answer, "<ins>", "</ins>");
        return AnswerProblems.badEntries(thin, total, "polygons", "of 3 vertices or more", cutOff);
    }
}
