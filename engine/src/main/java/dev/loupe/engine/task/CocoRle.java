package dev.loupe.engine.task;

import java.util.Arrays;

/**
 * COCO's run-length encoding of binary masks, as pycocotools writes it: the mask read in
 * column-major order (down each column, then the next column), runs alternating from a run of
 * zeros (possibly empty), then the compressed string of {@code rleToString} — each count after
 * the second stored as its difference to the count two before, in 5-bit groups with a
 * continuation bit, offset by 48 into printable ASCII.
 */
public final class CocoRle {
    private CocoRle() {}

    /** The run lengths of a row-major mask of {@code height x width} (non-zero = inside), in COCO's column-major order. */
    public static int[] counts(byte[] mask, int width, int height) {
        if (mask.length != width * height) throw new IllegalArgumentException("mask of " + mask.length + " for " + width + "x" + height);
        boolean[] columnMajor = new boolean[width * height];
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) columnMajor[x * height + y] = mask[y * width + x] != 0;
        }
        return runs(columnMajor);
    }

    /** COCO's run lengths of pixels already in column-major order: a run of outside pixels first (possibly empty), then alternating. */
    public static int[] runs(boolean[] columnMajor) {
        int[] runs = new int[columnMajor.length + 1];
        int n = 0, run = 0;
        boolean current = false;
        for (boolean v : columnMajor) {
            if (v != current) {
                runs[n++] = run;
                current = v;
                run = 0;
            }
            run++;
        }
        runs[n++] = run;
        return Arrays.copyOf(runs, n);
    }

    /** pycocotools' compressed string of run lengths. */
    public static String toString(int[] counts) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                s.append((char) (c + 48));
            }
        }
        return s.toString();
    }

    /** The compressed string of a row-major mask. */
    public static String encode(byte[] mask, int width, int height) {
        return toString(counts(mask, width, height));
    }

    /** Run lengths from a compressed string (pycocotools' {@code rleFrString}). */
    public static int[] parse(String s) {
        int[] counts = new int[s.length()];
        int n = 0, p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) throw new IllegalArgumentException("COCO RLE string ends inside a count: " + s);
                int c = s.charAt(p++) - 48;
                if (c < 0 || c > 63) throw new IllegalArgumentException("character '" + (char) (c + 48) + "' is not COCO RLE: " + s);
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (n > 2) x += counts[n - 2];
            counts[n++] = Math.toIntExact(x);
        }
        return Arrays.copyOf(counts, n);
    }

    /** The row-major mask of {@code height x width} a compressed string describes. */
    public static byte[] decode(String s, int width, int height) {
        int[] counts = parse(s);
        byte[] mask = new byte[width * height];
        long total = 0;
        for (int c : counts) total += c;
        if (total != (long) width * height) {
            throw new IllegalArgumentException("COCO RLE covers " + total + " pixels, not " + width + "x" + height);
        }
        int i = 0;
        for (int r = 0; r < counts.length; r++) {
            for (int k = 0; k < counts[r]; k++, i++) {
                if (r % 2 == 1) mask[(i % height) * width + i / height] = 1;
            }
        }
        return mask;
    }
}
