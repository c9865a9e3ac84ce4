package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.SegmentationAnswers;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.ImageEdits;
import dev.loupe.engine.vision.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The demo's multi-pass segmentation with a scripted model: each pass's answer is written by
 * hand, so crop bounds, the enlargement, class ids, paint order and paste-back are checked
 * against masks worked out by hand on a 200x100 image.
 */
class YoutuVlPassesTest {
    static final int W = 200, H = 100;
    static final byte[] IMAGE = ImageEdits.jpeg(RgbImage.black(W, H), 95);

    /** A model whose answers a script gives, per task, from the image it is shown; it records what it was asked. */
    static final class ScriptedModel implements YoutuVlPasses.Model {
        final List<String> asked = new ArrayList<>();
        final List<RgbImage> shown = new ArrayList<>();
        final BiFunction<Task, RgbImage, String> script;

        ScriptedModel(BiFunction<Task, RgbImage, String> script) {
            this.script = script;
        }

        @Override
        public YoutuVlPasses.Pass pass(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits) {
            RgbImage decoded = new ImageDecoder().decode(image);
            shown.add(decoded);
            asked.add(task.id + ": " + prompt);
            String answer = script.apply(task, decoded);
            ImageFrame identity = new ImageFrame(decoded.width(), decoded.height(), decoded.width(), decoded.height(), 0, 0,
                    decoded.width(), decoded.height());
            PreparedRequest r = new PreparedRequest(task, prompt, prompt, List.of(), decoded.width(), decoded.height(), 0.5, identity);
            return new YoutuVlPasses.Pass(r, new Generation(answer, new int[] {1, 2, 3}, 10, "stop", null, 0.25, 0.125), answer);
        }

        @Override
        public String withControlTokens(Generation generation) {
            return generation.text();
        }

        @Override
        public SegmentationAnswers.Result coreMasks(PreparedRequest request, String answer) {
            return SegmentationAnswers.masks(answer, request.imageWidth(), request.imageHeight());
        }
    }

    /** The pixels of a mask inside [x0, x1) x [y0, y1), and in all. */
    static int[] count(Annotation.Mask m, int x0, int y0, int x1, int y1) {
        byte[] px = CocoRle.decode(m.counts(), m.width(), m.height());
        int inside = 0, all = 0;
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                if (px[y * m.width() + x] == 0) continue;
                all++;
                if (x >= x0 && x < x1 && y >= y0 && y < y1) inside++;
            }
        }
        return new int[] {inside, all};
    }

    /**
     * Pass 1's polygon spans x 50..90, y 20..60: the crop is 1.2 times that around (70, 40),
     * [46, 94) x [16, 64), 48 px square, enlarged to 1280 x 1280. Pass 2 answers <FG> first with
     * value 0 on the enlarged crop's lower half (so, flipped as the demo flips, that half is the
     * foreground); nearest-neighbour back to 48 px gives crop rows 24..47: image rows 40..63.
     */
    @Test
    void refinedSegmentationCropsAroundThePolygonAndPastesTheCoreTargetBack() {
        ScriptedModel model = new ScriptedModel((task, image) -> switch (task) {
            case SEGMENT -> "<ins><poly><x_50><y_20><x_90><y_20><x_90><y_60><x_50><y_60></poly></ins>";
            case CORE -> {
                int half = image.width() * image.height() / 2;
                yield "<ref><FG></ref><ref><BG></ref><mask>(1," + half + ")(0," + half + ")</mask>";
            }
            default -> throw new AssertionError(task);
        });
        Annotation a = new YoutuVlPasses(model).refinedSegmentation(IMAGE, " the box ", GenerationSettings.GREEDY, ImageLimits.NONE);
        assertEquals(List.of("segment:  the box ", "core: null"), model.asked);
        RgbImage crop = model.shown.get(1);
        assertEquals(1280, crop.width());
        assertEquals(1280, crop.height());
        assertEquals("segment-refined", a.task());
        assertNull(a.parseError());
        assertEquals(1, a.masks().size());
        Annotation.Mask mask = a.masks().getFirst();
        assertEquals("the box", mask.label());
        assertEquals(W, mask.width());
        assertEquals(H, mask.height());
        assertEquals(48 * 24, count(mask, 46, 40, 94, 64)[1]);
        assertEquals(48 * 24, count(mask, 46, 40, 94, 64)[0], "every foreground pixel in the pasted lower half");
        assertEquals(20, a.promptTokens(), "two passes of 10 prompt positions");
        assertEquals(6, a.generatedTokens());
        assertEquals(1.0, a.stages().encodeSeconds());
    }

    /**
     * Pass 1 names cat, <OTHERS> and dog; pass 2 detects them; the dog's box (100 x 80) is
     * larger, so it is segmented first and the cat painted over it. Each core pass answers "all
     * foreground". Crops: dog [0, 110) x [0, 88) (its padded bounds clamped at 0), cat [7, 43)^2.
     */
    @Test
    void openSetSegmentationPaintsLargerBoxesFirst() {
        ScriptedModel model = new ScriptedModel((task, image) -> switch (task) {
            case VQA -> "<ref>cat</ref><ref><OTHERS></ref><ref>dog</ref><mask>(0,5)</mask>";
            case DETECT -> "<ref>cat</ref><box><x_10><y_10><x_40><y_40></box><ref>dog</ref><box><x_0><y_0><x_100><y_80></box>";
            case CORE -> "<ref><BG></ref><ref><FG></ref><mask>(1," + image.width() * image.height() + ")</mask>";
            default -> throw new AssertionError(task);
        });
        Annotation a = new YoutuVlPasses(model).openSetSegmentation(IMAGE, "Segment all objects in this image.", GenerationSettings.GREEDY, ImageLimits.NONE);
        assertEquals(List.of("vqa: Segment all objects in this image.", "detect: cat,dog", "core: null", "core: null"), model.asked);
        assertNull(a.parseError());
        assertEquals(List.of("cat", "dog"), a.masks().stream().map(Annotation.Mask::label).toList());
        assertEquals(36 * 36, count(a.masks().get(0), 7, 7, 43, 43)[0]);
        assertEquals(36 * 36, count(a.masks().get(0), 7, 7, 43, 43)[1]);
        assertEquals(110 * 88 - 36 * 36, count(a.masks().get(1), 0, 0, 110, 88)[1]);
        assertEquals(List.of("dog", "cat"), a.boxes().stream().map(Annotation.Box::label).toList(), "largest box first");
        assertEquals(4, model.shown.size());
        assertEquals(1280, Math.min(model.shown.get(2).width(), model.shown.get(2).height()), "the dog's crop enlarged to a 1280 px short side");
    }

    @Test
    void answersThatGiveNothingToRefineAreNamed() {
        ScriptedModel noPolygon = new ScriptedModel((task, image) -> "I see no such thing.");
        Annotation a = new YoutuVlPasses(noPolygon).refinedSegmentation(IMAGE, "the box", GenerationSettings.GREEDY, ImageLimits.NONE);
        assertEquals(List.of(), a.masks());
        assertEquals("no <ins> or <poly> polygon in the answer", a.parseError());
        assertEquals(1, noPolygon.asked.size(), "no second pass without a polygon");

        ScriptedModel noMask = new ScriptedModel((task, image) -> "<ref>cat</ref>");
        Annotation b = new YoutuVlPasses(noMask).openSetSegmentation(IMAGE, "Segment all objects in this image.", GenerationSettings.GREEDY, ImageLimits.NONE);
        assertEquals("the first pass named no classes with a <mask> (the demo's condition for open-set segmentation)", b.parseError());
        assertThrows(IllegalArgumentException.class,
                () -> new YoutuVlPasses(noMask).refinedSegmentation(IMAGE, " ", GenerationSettings.GREEDY, ImageLimits.NONE));
        assertTrue(Task.SEGMENT_REFINED.multiPass() && Task.SEGMENT_OPEN.multiPass() && !Task.CORE.multiPass());
    }
}
