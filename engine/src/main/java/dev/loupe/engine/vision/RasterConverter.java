package dev.loupe.engine.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns whatever {@link BufferedImage} an ImageIO reader produced into {@link RgbImage} bytes
 * with stb_image's rules, working on raw samples so that no Java2D colour management happens
 * (stb does none: a 16-bit linear-gray PNG must not be gamma-converted):
 * <ul>
 *   <li>alpha is dropped and the colour under it kept (also for fully transparent pixels);</li>
 *   <li>gray is replicated to R = G = B; palettes are looked up, their alpha ignored;</li>
 *   <li>16-bit samples keep their high byte; n-bit samples (n &lt; 8, e.g. 1/2/4-bit PNG gray,
 *       5/6-bit BMP fields) are widened by bit replication, which for 1, 2 and 4 bits equals
 *       stb's {@code v * 255 / (2^n - 1)}.</li>
 * </ul>
 * Works a row at a time through one reusable int buffer: no per-pixel allocation.
 */
final class RasterConverter {
    private RasterConverter() {
    }

    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[Math.multiplyExact(3, Math.multiplyExact(w, h))];
        if (cm instanceof IndexColorModel icm) {
            convertIndexed(raster, icm, w, h, out);
        } else {
            convertComponents(raster, cm, w, h, out);
        }
        return new RgbImage(w, h, out);
    }

    private static void convertIndexed(Raster raster, IndexColorModel icm, int w, int h, byte[] out) {
        int n = icm.getMapSize();
        byte[] r = new byte[n], g = new byte[n], b = new byte[n];
        icm.getReds(r);
        icm.getGreens(g);
        icm.getBlues(b);
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int i = row[x];
                if (i >= n) i = 0; // an index past the palette (damaged file) reads as entry 0 instead of failing
                out[o++] = r[i];
                out[o++] = g[i];
                out[o++] = b[i];
            }
        }
    }

    private static void convertComponents(Raster raster, ColorModel cm, int w, int h, byte[] out) {
        int colors = cm.getNumColorComponents();
        if (colors != 1 && colors != 3) {
            throw new IllegalArgumentException("unsupported colour model with " + colors + " colour components");
        }
        int bands = raster.getNumBands();
        int[][] lut = new int[colors][];
        for (int c = 0; c < colors; c++) {
            lut[c] = widenTable(cm.getComponentSize(c));
        }
        int[] row = new int[w * bands];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            int p = 0;
            if (colors == 1) {
                int[] gray = lut[0];
                for (int x = 0; x < w; x++, p += bands) {
                    byte v = (byte) gray[row[p]];
                    out[o++] = v;
                    out[o++] = v;
                    out[o++] = v;
                }
            } else {
                int[] lr = lut[0], lg = lut[1], lb = lut[2];
                for (int x = 0; x < w; x++, p += bands) {
                    out[o++] = (byte) lr[row[p]];
                    out[o++] = (byte) lg[row[p + 1]];
                    out[o++] = (byte) lb[row[p + 2]];
                }
            }
        }
    }

    /** Maps every {@code bits}-bit sample value to 8 bits. */
    static int[] widenTable(int bits) {
        if (bits < 1 || bits > 16) throw new IllegalArgumentException("unsupported sample size of " + bits + " bits");
        int[] t = new int[1 << bits];
        for (int v = 0; v < t.length; v++) {
            if (bits >= 8) {
                t[v] = v >> (bits - 8);
            } else {
                long acc = 0;
                int filled = 0;
                while (filled < 8) {
                    acc = (acc << bits) | v;
                    filled += bits;
                }
                t[v] = (int) (acc >> (filled - 8));
            }
        }
        return t;
    }
}
