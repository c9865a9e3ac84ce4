import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Deterministic photo-like JPEGs for bench/vs-llamacpp-annotate.sh (a single-file program:
 * {@code java bench/SyntheticPhotos.java DIR COUNT SIDE}): a smooth colour field (sky, ground),
 * a few shaded shapes (objects) and sensor grain, JPEG quality 90, so that both sides decode a
 * real JPEG of the given size. Image i is seeded with i: the same files on every run and machine
 * (the JDK's JPEG writer is deterministic). Writes img-0000.jpg ... into DIR.
 */
public final class SyntheticPhotos {
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: java SyntheticPhotos.java DIR COUNT SIDE");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int side = Integer.parseInt(args[2]);
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            write(photo(new Random(1_000_003L * (i + 1)), side), dir.resolve(String.format("img-%04d.jpg", i)));
        }
    }

    static BufferedImage photo(Random r, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        // A smooth field: a 5 x 5 grid of random colours, bilinearly interpolated.
        int g = 5;
        int[][][] grid = new int[g][g][3];
        for (int[][] row : grid) for (int[] c : row) for (int k = 0; k < 3; k++) c[k] = 30 + r.nextInt(200);
        for (int y = 0; y < side; y++) {
            double gy = (double) y / side * (g - 1);
            int y0 = Math.min((int) gy, g - 2);
            double fy = gy - y0;
            for (int x = 0; x < side; x++) {
                double gx = (double) x / side * (g - 1);
                int x0 = Math.min((int) gx, g - 2);
                double fx = gx - x0;
                int rgb = 0;
                for (int k = 0; k < 3; k++) {
                    double v = (1 - fy) * ((1 - fx) * grid[y0][x0][k] + fx * grid[y0][x0 + 1][k])
                            + fy * ((1 - fx) * grid[y0 + 1][x0][k] + fx * grid[y0 + 1][x0 + 1][k]);
                    rgb = (rgb << 8) | (int) v;
                }
                img.setRGB(x, y, rgb);
            }
        }
        // Objects: shaded ellipses and rectangles.
        Graphics2D gr = img.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int shapes = 3 + r.nextInt(5);
        for (int s = 0; s < shapes; s++) {
            int w = side / 10 + r.nextInt(side / 3), h = side / 10 + r.nextInt(side / 3);
            int x = r.nextInt(side - w), y = r.nextInt(side - h);
            Color a = new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256));
            gr.setPaint(new GradientPaint(x, y, a, x + w, y + h, a.darker().darker()));
            if (r.nextBoolean()) gr.fillOval(x, y, w, h); else gr.fillRect(x, y, w, h);
        }
        gr.dispose();
        // Grain.
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = img.getRGB(x, y), q = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    int v = ((p >> shift) & 0xff) + (int) Math.round(r.nextGaussian() * 6);
                    q = (q << 8) | Math.max(0, Math.min(255, v));
                }
                img.setRGB(x, y, q);
            }
        }
        return img;
    }

    static void write(BufferedImage img, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.9f);
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
