package dev.loupe.engine.vlm;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.ClassMasks;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.engine.task.CoordinateTokenBoxes;
import dev.loupe.engine.task.CoordinateTokenPolygons;
import dev.loupe.engine.task.SegmentationAnswers;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.ImageEdits;
import dev.loupe.engine.vision.OpenCvLanczos4;
import dev.loupe.engine.vision.RgbImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The Youtu-VL demo's multi-pass segmentation (spec §1.5, {@code infer_refseg},
 * {@code infer_openseg}, {@code infer_segcore}), each pass an ordinary request of the model:
 *
 * <ul>
 *   <li>refined referring segmentation: the expression's polygon gives a box; a "core target"
 *       pass on a crop around it gives the mask;</li>
 *   <li>open-set segmentation: the classes the model names for the whole image (not
 *       {@code <OTHERS>}), their boxes from a detection pass (largest first, at most 30), then a
 *       core-target pass per box, later (smaller) boxes painted over earlier ones.</li>
 * </ul>
 *
 * A core-target pass crops 1.2 times the box around its centre (bounds truncated to integers and
 * clamped to the image, as the demo does), draws the box's outline on the crop in a colour drawn
 * from the row's seed (the demo's is random), enlarges the crop to a short side of 1280 px with
 * OpenCV's Lanczos-4, sends it as a JPEG, and pastes the foreground back at the crop's size
 * (nearest neighbour). The passes' token counts and stage times add up in the annotation; its
 * text is the first pass's answer.
 */
final class YoutuVlPasses {
    static final double CROP_PADDING = 1.2;
    static final int CROP_SHORT_SIDE = 1280;
    static final int MAX_OPEN_SET_BOXES = 30;
    static final String OTHERS = "<OTHERS>";

    /** One pass: a request prepared and generated on its own, and its answer as its task reads it. */
    record Pass(PreparedRequest request, Generation generation, String answer) {}

    /** What the pipelines ask of the model (tests script it). */
    interface Model {
        /** Runs one request alone, not batched. */
        Pass pass(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits);

        /** A generation's text with control tokens rendered. */
        String withControlTokens(Generation generation);

        /** A core-target answer's masks over its request's image (from its runs or the hidden states, as the model reads them). */
        SegmentationAnswers.Result coreMasks(PreparedRequest request, String answer);
    }

    private final Model model;
    private final ImageDecoder decoder = new ImageDecoder();

    YoutuVlPasses(Model model) {
        this.model = model;
    }

    Annotation refinedSegmentation(byte[] imageBytes, String expression, GenerationSettings settings, ImageLimits limits) {
        Task.SEGMENT_REFINED.promptFor(expression); // refuses a missing expression, naming this task
        Tally tally = new Tally();
        Pass first = tally.add(model.pass(imageBytes, Task.SEGMENT, expression, settings, limits));
        RgbImage image = decoder.decode(imageBytes);
        List<int[][]> polygons = CoordinateTokenPolygons.parse(first.answer(), first.request().frame());
        byte[] classes = new byte[image.width() * image.height()];
        if (polygons.isEmpty()) {
            tally.problem(CoordinateTokenPolygons.problem(first.answer()));
        } else {
            int[] box = bounds(polygons);
            coreTarget(image, box, classes, (byte) 1, new SplittableRandom(settings.seed()), settings, limits, tally);
        }
        List<String> labels = List.of(SegmentationAnswers.BACKGROUND, expression.strip());
        return tally.annotation(Task.SEGMENT_REFINED, first, image, null, labels, classes);
    }

    /** @param ask the first pass's prompt: the prompt book's, or the row's own */
    Annotation openSetSegmentation(byte[] imageBytes, String ask, GenerationSettings settings, ImageLimits limits) {
        Tally tally = new Tally();
        Pass first = tally.add(model.pass(imageBytes, Task.VQA, ask, settings, limits), true);
        RgbImage image = decoder.decode(imageBytes);
        List<String> names = new ArrayList<>(SegmentationAnswers.namedClasses(first.answer()));
        names.removeIf(n -> n.equals(OTHERS) || n.isEmpty());
        names = names.stream().distinct().toList();
        byte[] classes = new byte[image.width() * image.height()];
        List<Annotation.Box> boxes = new ArrayList<>();
        if (names.isEmpty() || !first.answer().contains("<mask>")) {
            tally.problem("the first pass named no classes with a <mask> (the demo's condition for open-set segmentation)");
        } else {
            Pass detect = tally.add(model.pass(imageBytes, Task.DETECT, String.join(",", names), settings, limits));
            boxes.addAll(CoordinateTokenBoxes.parse(detect.answer(), detect.request().frame()));
            boxes.sort(Comparator.comparingDouble((Annotation.Box b) -> -(double) (b.x1() - b.x0()) * (b.y1() - b.y0())));
            if (boxes.size() > MAX_OPEN_SET_BOXES) boxes = new ArrayList<>(boxes.subList(0, MAX_OPEN_SET_BOXES));
            if (boxes.isEmpty()) tally.problem("the detection pass found no box: " + CoordinateTokenBoxes.problem(detect.answer()));
            SplittableRandom colours = new SplittableRandom(settings.seed());
            for (Annotation.Box b : boxes) {
                int id = names.indexOf(b.label());
                int[] box = {(int) Math.rint(b.x0()), (int) Math.rint(b.y0()), (int) Math.rint(b.x1()), (int) Math.rint(b.y1())};
                coreTarget(image, box, classes, (byte) (1 + Math.max(id, 0)), colours, settings, limits, tally); // unknown names: class 1, as the demo
            }
        }
        List<String> labels = new ArrayList<>();
        labels.add(SegmentationAnswers.BACKGROUND);
        labels.addAll(names);
        return tally.annotation(Task.SEGMENT_OPEN, first, image, boxes, labels, classes);
    }

    /** The demo's {@code infer_segcore}: the core target of a crop around {@code box}, painted as {@code classId} into {@code classes}. */
    private void coreTarget(RgbImage image, int[] box, byte[] classes, byte classId, SplittableRandom colours, GenerationSettings settings,
                            ImageLimits limits, Tally tally) {
        int x1 = box[0], y1 = box[1], x2 = box[2], y2 = box[3];
        double cw = (x2 - x1) * CROP_PADDING, ch = (y2 - y1) * CROP_PADDING;
        double cx = (x1 + x2) / 2.0, cy = (y1 + y2) / 2.0;
        int cx0 = Math.max((int) (cx - cw / 2), 0), cy0 = Math.max((int) (cy - ch / 2), 0);
        int cx1 = Math.min((int) (cx + cw / 2), image.width()), cy1 = Math.min((int) (cy + ch / 2), image.height());
        int colour = colours.nextInt(1 << 24);
        if (cx1 <= cx0 || cy1 <= cy0) {
            tally.problem("box " + x1 + "," + y1 + "," + x2 + "," + y2 + " leaves no crop to segment");
            return;
        }
        RgbImage crop = ImageEdits.outline(ImageEdits.crop(image, cx0, cy0, cx1, cy1), x1 - cx0, y1 - cy0, x2 - cx0, y2 - cy0, colour);
        double scale = (double) CROP_SHORT_SIDE / Math.min(crop.width(), crop.height());
        RgbImage enlarged = OpenCvLanczos4.resize(crop, (int) (crop.width() * scale), (int) (crop.height() * scale));
        Pass core = tally.add(model.pass(ImageEdits.jpeg(enlarged, ImageEdits.OPENCV_JPEG_QUALITY), Task.CORE, null, settings, limits));
        SegmentationAnswers.Result mask = model.coreMasks(core.request(), core.answer());
        if (mask.problem() != null) tally.problem("core target of box " + x1 + "," + y1 + "," + x2 + "," + y2 + ": " + mask.problem());
        byte[] foreground = null;
        for (Annotation.Mask m : mask.masks()) {
            if (m.label().equals(SegmentationAnswers.FOREGROUND)) foreground = CocoRle.decode(m.counts(), m.width(), m.height());
        }
        if (foreground == null) return;
        // Back to the crop's own size, nearest neighbour as cv2.INTER_NEAREST (source index floor(d * src / dst)), pasted in place.
        int ew = enlarged.width(), eh = enlarged.height(), w = crop.width(), h = crop.height();
        for (int y = 0; y < h; y++) {
            int sy = Math.min((int) Math.floor(y * ((double) eh / h)), eh - 1);
            for (int x = 0; x < w; x++) {
                int sx = Math.min((int) Math.floor(x * ((double) ew / w)), ew - 1);
                if (foreground[sy * ew + sx] != 0) classes[(cy0 + y) * image.width() + cx0 + x] = classId;
            }
        }
    }

    /** The smallest box holding every vertex: {x1, y1, x2, y2}. */
    private static int[] bounds(List<int[][]> polygons) {
        int[] b = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
        for (int[][] polygon : polygons) {
            for (int[] v : polygon) {
                b[0] = Math.min(b[0], v[0]);
                b[1] = Math.min(b[1], v[1]);
                b[2] = Math.max(b[2], v[0]);
                b[3] = Math.max(b[3], v[1]);
            }
        }
        return b;
    }

    /** What the passes of one image add up to: tokens, stage times, problems. */
    private final class Tally {
        int promptTokens, generated, imagePositions;
        double encode, prefill, decode;
        String finish = "stop";
        final List<String> problems = new ArrayList<>();

        Pass add(Pass p) {
            return add(p, false);
        }

        /** Counts a pass; {@code renderControl}: its answer is re-read with control tokens rendered (a dense answer asked as a question). */
        Pass add(Pass p, boolean renderControl) {
            Generation g = p.generation();
            promptTokens += g.promptTokens();
            generated += g.tokens().length;
            imagePositions += p.request().imagePositions();
            encode += p.request().encodeSeconds();
            prefill += g.prefillSeconds();
            decode += g.decodeSeconds();
            if (g.finishReason().equals("length")) finish = "length";
            return renderControl ? new Pass(p.request(), g, model.withControlTokens(g)) : p;
        }

        void problem(String problem) {
            if (problem != null) problems.add(problem);
        }

        Annotation annotation(Task task, Pass first, RgbImage image, List<Annotation.Box> boxes, List<String> labels, byte[] classes) {
            int[] labelMap = new int[classes.length];
            for (int i = 0; i < classes.length; i++) labelMap[i] = classes[i];
            List<Annotation.Mask> masks = ClassMasks.of(labelMap, labels, image.width(), image.height());
            return new Annotation(task.id, first.request().prompt(), first.answer().strip(), boxes, null, null, masks, image.width(),
                    image.height(), promptTokens, generated, finish, new Annotation.Stages(imagePositions, encode, prefill, decode),
                    problems.isEmpty() ? null : String.join("; ", problems), null, null).withConfidence(first.generation().confidence());
        }
    }
}
