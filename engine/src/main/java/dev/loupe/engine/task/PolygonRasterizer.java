package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;

/**
 * Fills polygons into a binary mask the way OpenCV's {@code cv2.fillPoly} does with integer
 * vertices (8-connected lines, no sub-pixel shift) — what the Youtu-VL demo draws its
 * referring-segmentation polygons with, so masks equal the reference pixel for pixel:
 * <ul>
 * <li>every edge, horizontal ones included, is drawn as an 8-connected Bresenham line walked
 *     from its left end (OpenCV's {@code LineIterator} with {@code leftToRight});</li>
 * <li>the inside is filled row by row with the even-odd rule: each non-horizontal edge covers
 *     rows [top, bottom) with its x in 16.16 fixed point, stepped by the truncated slope; the
 *     edges crossing a row, sorted by x, pair up into spans from the first pixel at or right of
 *     the left edge to the last pixel at or left of the right edge.</li>
 * </ul>
 * Vertices must lie inside the image (callers clamp): OpenCV's clipping of outside vertices is
 * not reproduced.
 */
public final class PolygonRasterizer {
    private static final int SHIFT = 16;
    private static final long ONE = 1L << SHIFT;

    private PolygonRasterizer() {}

    /** Fills the polygon with vertices (xs[i], ys[i]) into {@code mask} (row-major, width x height, 1 = inside). */
    public static void fill(byte[] mask, int width, int height, int[] xs, int[] ys) {
        int n = xs.length;
        if (ys.length != n) throw new IllegalArgumentException(n + " x coordinates but " + ys.length + " y coordinates");
        if (mask.length != width * height) throw new IllegalArgumentException("mask of " + mask.length + " for " + width + "x" + height);
        for (int i = 0; i < n; i++) {
            if (xs[i] < 0 || xs[i] >= width || ys[i] < 0 || ys[i] >= height) {
                throw new IllegalArgumentException("vertex (" + xs[i] + ", " + ys[i] + ") outside the " + width + "x" + height + " image");
            }
        }
        if (n == 0) return;
        List<Edge> edges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int j = i == 0 ? n - 1 : i - 1; // OpenCV walks edges from the last vertex to the first, then on
            line(mask, width, xs[j], ys[j], xs[i], ys[i]);
            if (ys[j] != ys[i]) edges.add(Edge.between(xs[j], ys[j], xs[i], ys[i]));
        }
        if (edges.size() < 2) return;
        int top = Integer.MAX_VALUE, bottom = Integer.MIN_VALUE;
        for (Edge e : edges) {
            top = Math.min(top, e.y0);
            bottom = Math.max(bottom, e.y1);
        }
        long[] crossing = new long[edges.size()];
        for (int y = top; y < Math.min(bottom, height); y++) {
            int k = 0;
            for (Edge e : edges) if (e.y0 <= y && y < e.y1) crossing[k++] = e.x + (y - e.y0) * e.dx;
            java.util.Arrays.sort(crossing, 0, k);
            for (int p = 0; p + 1 < k; p += 2) {
                int x1 = (int) ((crossing[p] + ONE - 1) >> SHIFT), x2 = (int) (crossing[p + 1] >> SHIFT);
                for (int x = Math.max(0, x1); x <= Math.min(width - 1, x2); x++) mask[y * width + x] = 1;
            }
        }
    }

    /** One non-horizontal edge: rows [y0, y1), x at row y0 in 16.16 fixed point, dx per row truncated as C divides. */
    private record Edge(int y0, int y1, long x, long dx) {
        static Edge between(int ax, int ay, int bx, int by) {
            long dx = ((long) (bx - ax) << SHIFT) / (by - ay);
            return ay < by ? new Edge(ay, by, (long) ax << SHIFT, dx) : new Edge(by, ay, (long) bx << SHIFT, dx);
        }
    }

    /** An 8-connected line from its left end (the upper one when vertical), as OpenCV's LineIterator walks it. */
    private static void line(byte[] mask, int width, int ax, int ay, int bx, int by) {
        if (bx < ax) {
            int t = ax;
            ax = bx;
            bx = t;
            t = ay;
            ay = by;
            by = t;
        }
        int dx = bx - ax, dy = by - ay, stepX = 1, stepY = 1;
        if (dy < 0) {
            dy = -dy;
            stepY = -1;
        }
        boolean steep = dy > dx;
        int major = steep ? dy : dx, minor = steep ? dx : dy;
        int err = major - 2 * minor;
        int x = ax, y = ay;
        for (int i = 0; i <= major; i++) {
            mask[y * width + x] = 1;
            boolean minorStep = err < 0;
            err += -2 * minor + (minorStep ? 2 * major : 0);
            if (steep) {
                y += stepY;
                if (minorStep) x += stepX;
            } else {
                x += stepX;
                if (minorStep) y += stepY;
            }
        }
    }
}
