package dev.loupe.engine.eval;

import java.util.Arrays;
import java.util.List;

/**
 * Ground-truth polygons to masks exactly as pycocotools turns them into masks
 * ({@code mask.frPyObjects}, C function {@code rleFrPoly} of cocoapi's {@code maskApi.c}), which
 * is what the refer toolkit's {@code getMask} and the referring-segmentation papers after it
 * (LAVT, LISA, ...) evaluate against. The polygon is traced at 5x resolution and a pixel is
 * inside when its centre is, roughly; the exact rule is the C code's, reproduced step for step
 * (C's truncating casts are Java's). An object of several polygons is their union, as
 * pycocotools' {@code merge} and refer's {@code getMask} make it.
 *
 * <p>This is not the rule Loupe fills a model's polygons with (OpenCV's {@code fillPoly}, as the
 * Youtu-VL demo does, see {@code PolygonRasterizer}): each side is rasterized as its own reference does.
 */
public final class CocoPolygons {
    private static final double SCALE = 5;

    private CocoPolygons() {}

    /**
     * The COCO RLE run lengths (column-major) of the union of {@code polygons}, each a flat
     * {@code [x1, y1, x2, y2, ...]} list of at least three points in pixel coordinates.
     *
     * @throws IllegalArgumentException for a polygon of fewer than three points, an odd number of
     *                                  coordinates, a coordinate that is not finite, or an empty image
     */
    public static int[] toRle(List<double[]> polygons, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("image of " + width + "x" + height + " pixels");
        if (polygons.isEmpty()) throw new IllegalArgumentException("no polygon");
        int[][] each = new int[polygons.size()][];
        for (int i = 0; i < each.length; i++) each[i] = polygon(polygons.get(i), height, width);
        return each.length == 1 ? each[0] : RleMasks.union(each, height, width);
    }

    /** One polygon, pycocotools' {@code rleFrPoly}. */
    static int[] polygon(double[] xy, int h, int w) {
        if (xy.length % 2 != 0) throw new IllegalArgumentException("a polygon of " + xy.length + " coordinates: not x,y pairs");
        if (xy.length < 6) throw new IllegalArgumentException("a polygon of " + xy.length / 2 + " points: at least three are needed");
        for (double c : xy) if (!Double.isFinite(c)) throw new IllegalArgumentException("a polygon with coordinate " + c);
        int k = xy.length / 2;
        // Upsample and walk the boundary densely: every point of every edge at 5x.
        int[] x = new int[k + 1], y = new int[k + 1];
        for (int j = 0; j < k; j++) x[j] = (int) (SCALE * xy[j * 2] + .5);
        x[k] = x[0];
        for (int j = 0; j < k; j++) y[j] = (int) (SCALE * xy[j * 2 + 1] + .5);
        y[k] = y[0];
        int m = 0;
        for (int j = 0; j < k; j++) m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
        int[] u = new int[m], v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs;
                xs = xe;
                xe = t;
                t = ys;
                ys = ye;
                ye = t;
            }
            // A repeated vertex (dx = dy = 0) gives 0/0 here, as in C; its one point lies on the
            // neighbours' column and is never used below.
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) {
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int) (ys + s * t + .5);
                    m++;
                }
            } else {
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int) (xs + s * t + .5);
                    m++;
                }
            }
        }
        // Where the boundary crosses a pixel column's centre, downsampled: the rows where runs flip.
        int n = m;
        long[] a = new long[n + 1];
        int count = 0;
        for (int j = 1; j < n; j++) {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / SCALE - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > w - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / SCALE - .5;
            if (yd < 0) yd = 0;
            else if (yd > h) yd = h;
            yd = Math.ceil(yd);
            a[count++] = (long) xd * h + (long) yd;
        }
        a[count++] = (long) h * w;
        Arrays.sort(a, 0, count);
        long previous = 0;
        for (int j = 0; j < count; j++) {
            long t = a[j];
            a[j] -= previous;
            previous = t;
        }
        // Runs between flips; a flip of length 0 cancels the next one (two crossings at one pixel).
        int[] runs = new int[count];
        int r = 0, j = 0;
        runs[r++] = Math.toIntExact(a[j++]);
        while (j < count) {
            if (a[j] > 0) {
                runs[r++] = Math.toIntExact(a[j++]);
            } else {
                j++;
                if (j < count) runs[r - 1] += Math.toIntExact(a[j++]);
            }
        }
        return Arrays.copyOf(runs, r);
    }
}
