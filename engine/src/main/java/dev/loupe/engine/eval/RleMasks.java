package dev.loupe.engine.eval;

/**
 * Arithmetic on masks held as COCO run lengths (column-major, alternating runs of 0 and 1
 * starting with 0, see {@code CocoRle}), without decoding them to pixels where it can.
 */
public final class RleMasks {
    private RleMasks() {}

    /** Pixels inside the mask: the sum of its odd runs (pycocotools' {@code rleArea}). */
    public static long area(int[] counts) {
        long a = 0;
        for (int j = 1; j < counts.length; j += 2) a += counts[j];
        return a;
    }

    /** Pixels the runs cover, inside or not: height x width for a well-formed mask. */
    public static long pixels(int[] counts) {
        long n = 0;
        for (int c : counts) {
            if (c < 0) throw new IllegalArgumentException("negative run length " + c);
            n += c;
        }
        return n;
    }

    /**
     * Intersection and union of two masks of the same image, walking both run lists together
     * (pycocotools' {@code rleIou} loop).
     *
     * @throws IllegalArgumentException when the masks do not cover the same number of pixels
     */
    public static MaskOverlap overlap(int[] a, int[] b) {
        long pa = pixels(a), pb = pixels(b);
        if (pa != pb) throw new IllegalArgumentException("masks of " + pa + " and " + pb + " pixels");
        long inter = 0, union = 0;
        int ia = 0, ib = 0;
        long ra = a.length == 0 ? 0 : a[0], rb = b.length == 0 ? 0 : b[0];
        boolean va = false, vb = false;
        while (true) {
            while (ra == 0 && ia + 1 < a.length) {
                ra = a[++ia];
                va = !va;
            }
            while (rb == 0 && ib + 1 < b.length) {
                rb = b[++ib];
                vb = !vb;
            }
            if (ra == 0 || rb == 0) break;
            long c = Math.min(ra, rb);
            if (va || vb) union += c;
            if (va && vb) inter += c;
            ra -= c;
            rb -= c;
        }
        return new MaskOverlap(inter, union);
    }

    /** The union of masks of one {@code height x width} image, as run lengths. */
    public static int[] union(int[][] masks, int height, int width) {
        int pixels = Math.multiplyExact(height, width);
        boolean[] inside = new boolean[pixels];
        for (int[] counts : masks) {
            if (pixels(counts) != pixels) throw new IllegalArgumentException("a mask of " + pixels(counts) + " pixels in a " + width + "x" + height + " image");
            int p = 0;
            for (int j = 0; j < counts.length; j++) {
                if (j % 2 == 1) java.util.Arrays.fill(inside, p, p + counts[j], true);
                p += counts[j];
            }
        }
        return dev.loupe.engine.task.CocoRle.runs(inside);
    }
}
