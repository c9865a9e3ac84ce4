package dev.loupe.job.report;

import static dev.loupe.job.annotations.AnnotationFiles.box;
import static dev.loupe.job.annotations.AnnotationFiles.keypoint;
import static dev.loupe.job.annotations.AnnotationFiles.mask;
import static dev.loupe.job.annotations.AnnotationFiles.person;
import static dev.loupe.job.annotations.AnnotationFiles.point;
import static dev.loupe.job.annotations.AnnotationFiles.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.job.annotations.AnnotationFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: headless Chromium renders it to a PNG, and the screenshot must show
 * the overlays where the annotation puts them — a box's edges in its label's colour with the image
 * unchanged inside, a mask filled (the RLE decoded by the page's script), a point and a skeleton's
 * limb — and, for the evaluation's figures, ground truth and prediction in their two colours.
 *
 * <p>The images are solid blue, a colour nothing else on the page has: the screenshot's blue
 * rectangle is where the image is drawn, whatever the page's layout and fonts, and an overlay
 * coordinate maps to the screen by that rectangle's scale.
 */
class ReportBrowserTest {
    static final int BLUE = 0x0000ff;
    /** The page's mask opacity (report.js MASK_ALPHA). */
    static final double MASK_ALPHA = 115 / 255.0;

    @TempDir
    Path tmp;

    @BeforeAll
    static void browser() {
        HeadlessChromium.require();
    }

    @Test
    void boxesMasksPointsAndSkeletonsAreDrawnWhereTheAnnotationPutsThem() throws Exception {
        Path image = solid(tmp.resolve("blue.png"), 900, 600, BLUE);
        byte[] pixels = new byte[900 * 600];
        for (int y = 150; y < 450; y++) for (int x = 600; x < 780; x++) pixels[y * 900 + x] = 1;
        // Two joints joined by a limb, far enough apart that the limb's middle is no joint's dot.
        List<GenericRecord> joints = List.of(keypoint("pelvis", 700, 480, 0.875f), keypoint("thorax", 700, 580, null));
        GenericRecord row = row(image.toUri().toString(), "detect", 900, 600);
        row.put("boxes", List.of(box("cat", 90, 120, 450, 480, 0.75f)));
        row.put("points", List.of(point("nose", 300, 540)));
        row.put("masks", List.of(mask("cat", 600, 900, CocoRle.encode(pixels, 900, 600))));
        row.put("keypoints", List.of(person(650, 470, 750, 590, joints)));
        Path table = tmp.resolve("annotations.parquet");
        AnnotationFiles.write(table, List.of(row));
        Path page = tmp.resolve("report.html");
        AnnotationReport.run(new ReportOptions(table.toString(), page, null, 10, 0, false, null, 640, false));

        Screen screen = new Screen(HeadlessChromium.screenshot(page, 1100, 900, tmp), 900, 600);
        int cat = rgb(LabelColors.PALETTE.get(0)), nose = rgb(LabelColors.PALETTE.get(1)), person = rgb(LabelColors.PALETTE.get(2));
        screen.expect(90, 300, cat, "the box's left edge");
        screen.expect(270, 120, cat, "the box's top edge");
        screen.expect(450, 300, cat, "the box's right edge");
        screen.expect(270, 300, BLUE, "inside the box: not filled");
        screen.expect(690, 300, blend(cat, BLUE, MASK_ALPHA), "inside the mask: filled");
        screen.expect(690, 460, BLUE, "below the mask");
        screen.expect(590, 300, BLUE, "left of the mask");
        screen.expect(300, 540, nose, "the point");
        screen.expect(700, 530, person, "the skeleton's limb from pelvis to thorax");
        screen.expect(850, 50, BLUE, "where nothing is drawn");
    }

    @Test
    void groundTruthAndPredictionAreDrawnInTheirTwoColours() throws Exception {
        Path image = solid(tmp.resolve("blue.png"), 400, 300, BLUE);
        EmbeddedImage embedded = new ImageEmbedder(new Configuration(), null, 640).embed(image.toString());
        byte[] truthPixels = new byte[400 * 300], predictedPixels = new byte[400 * 300];
        for (int y = 20; y < 100; y++) for (int x = 300; x < 380; x++) truthPixels[y * 400 + x] = 1;
        for (int y = 180; y < 260; y++) for (int x = 300; x < 380; x++) predictedPixels[y * 400 + x] = 1;
        Overlay truth = Overlay.truth(List.of(new Annotation.Box("the red mug", 40, 40, 200, 200, null)),
                List.of(new Annotation.Mask("the red mug", 300, 400, CocoRle.encode(truthPixels, 400, 300))));
        Overlay prediction = new Overlay(Overlay.Role.PREDICTION, null, List.of(new Annotation.Box("mug", 60, 60, 260, 240, 0.5f)), null,
                List.of(new Annotation.Mask("mug", 300, 400, CocoRle.encode(predictedPixels, 400, 300))), null).inColor(Overlay.PREDICTION_COLOR);
        Figure figure = new Figure(embedded, null, 400, 300, List.of(truth, prediction));
        ReportSection misses = new ReportSection() {
            @Override
            public String id() {
                return "worst-misses";
            }

            @Override
            public String title() {
                return "Worst misses";
            }

            @Override
            public void render(Html html) {
                FigureHtml.write(html, figure, new LabelColors());
            }
        };
        Path page = tmp.resolve("eval.html");
        ReportPage.write(page, "Evaluation", null, List.of(misses));

        Screen screen = new Screen(HeadlessChromium.screenshot(page, 900, 700, tmp), 400, 300);
        int green = rgb(Overlay.TRUTH_COLOR), red = rgb(Overlay.PREDICTION_COLOR);
        screen.expect(40, 120, green, "the truth box's left edge");
        screen.expect(260, 150, red, "the prediction box's right edge");
        screen.expect(150, 240, red, "the prediction box's bottom edge");
        screen.expect(130, 130, BLUE, "inside both boxes");
        screen.expect(340, 60, blend(green, BLUE, MASK_ALPHA), "the truth mask");
        screen.expect(340, 220, blend(red, BLUE, MASK_ALPHA), "the prediction mask");
    }

    @Test
    void anEvaluationsWorstMissShowsTruthAndPredictionInTheirTwoColours() throws Exception {
        Path image = solid(tmp.resolve("blue.png"), 400, 300, BLUE);
        Path eval = tmp.resolve("eval");
        GenericRecord miss = EvaluationFiles.sample("q1#0", image.toString(), "val", "scored", new double[] {40, 40, 200, 200},
                new double[] {120, 100, 360, 260}, 0.0);
        EvaluationFiles.write(eval.resolve("samples"), List.of(miss));
        Files.writeString(eval.resolve("summary.json"), EvaluationReportTest.SUMMARY);
        Path page = tmp.resolve("eval.html");
        EvaluationReport.run(new EvaluationReportOptions(eval.toString(), page, 1, null, 640, false));

        Screen screen = new Screen(HeadlessChromium.screenshot(page, 1100, 1400, tmp), 400, 300);
        int green = rgb(Overlay.TRUTH_COLOR), red = rgb(Overlay.PREDICTION_COLOR);
        screen.expect(40, 120, green, "the truth box's left edge");
        screen.expect(90, 200, green, "the truth box's bottom edge");
        screen.expect(360, 180, red, "the prediction box's right edge");
        screen.expect(240, 260, red, "the prediction box's bottom edge");
        screen.expect(160, 150, BLUE, "inside both boxes: not filled");
        screen.expect(300, 60, BLUE, "outside both boxes");
    }

    /**
     * A screenshot and the rectangle in it where the image is drawn (its blue pixels' extent),
     * with overlay coordinates of a {@code width x height} image mapped into it.
     */
    record Screen(BufferedImage shot, int left, int top, double scaleX, double scaleY) {
        Screen(BufferedImage shot, int width, int height) {
            this(shot, bounds(shot), width, height);
        }

        private Screen(BufferedImage shot, int[] b, int width, int height) {
            this(shot, b[0], b[1], (b[2] - b[0] + 1) / (double) width, (b[3] - b[1] + 1) / (double) height);
        }

        void expect(double x, double y, int color, String what) {
            int sx = (int) Math.floor(left + x * scaleX), sy = (int) Math.floor(top + y * scaleY);
            int actual = shot.getRGB(sx, sy) & 0xffffff;
            assertTrue(close(actual, color, 40), String.format("%s: at image (%.0f, %.0f), screen (%d, %d), expected #%06x, found #%06x",
                    what, x, y, sx, sy, color, actual));
        }

        private static int[] bounds(BufferedImage shot) {
            int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
            for (int y = 0; y < shot.getHeight(); y++) {
                for (int x = 0; x < shot.getWidth(); x++) {
                    if (!close(shot.getRGB(x, y) & 0xffffff, BLUE, 40)) continue;
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
            assertTrue(x1 > x0 && y1 > y0, "no image (blue) in the screenshot");
            return new int[] {x0, y0, x1, y1};
        }
    }

    static boolean close(int a, int b, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs((a >> shift & 0xff) - (b >> shift & 0xff)) > tolerance) return false;
        }
        return true;
    }

    static int blend(int over, int under, double alpha) {
        int out = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            out |= (int) Math.round(alpha * (over >> shift & 0xff) + (1 - alpha) * (under >> shift & 0xff)) << shift;
        }
        return out;
    }

    static int rgb(String hex) {
        return Integer.parseInt(hex.substring(1), 16);
    }

    static Path solid(Path file, int width, int height, int color) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, color);
        ImageIO.write(img, "png", file.toFile());
        return file;
    }
}
