package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Youtu-VL image prompt end to end against llama.cpp, from a plain clone, through the model a
 * job opens: the chat format with its default system turn and the vision markers (token ids
 * equal llama.cpp's chunks), the image through preprocessing and the vision tower, then the MLA
 * text model over the whole prompt, its logits bit for bit. Image 2 is one token (1 x 1 px, 4
 * patches: ggml's one-row attention in the tower); image 3 is 20 (37 x 300 px, 80 patches: its
 * tiled kernel).
 */
class YoutuVlImagePromptTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");
    static final Path YOUTUVL = ORACLE.resolve("youtuvl");

    static YoutuVlModel open(Numerics numerics) {
        ImageAnnotator a = VisionLanguageModels.open(YOUTUVL.resolve("models/youtuvl-text-f16.gguf"),
                YOUTUVL.resolve("models/youtuvl-mmproj-f16.gguf"), new ModelOptions(new ComputePool(2), 0, numerics));
        return (YoutuVlModel) a;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"image2, synth_1x1.png", "image3, synth_tall_37x300.png"})
    void promptLogitsEqualLlamaCpp(String id, String file) throws Exception {
        JsonNode c = null;
        for (JsonNode x : new ObjectMapper().readTree(YOUTUVL.resolve("manifest-tokenizer-excerpt.json").toFile()).get("image_cases")) {
            if (x.get("id").asText().equals(id)) c = x;
        }
        try (YoutuVlModel model = open(Numerics.EXACT)) {
            DynamicImage image = model.preprocessor().preprocess(new ImageDecoder().decode(Files.readAllBytes(ORACLE.resolve("images").resolve(file))));
            List<PromptSegment> prompt = model.prompt(image, model.embed(image), c.get("prompt").asText());
            JsonNode chunks = c.get("chunks");
            assertEquals(3, prompt.size());
            for (int i : new int[] {0, 2}) {
                int[] expected = new ObjectMapper().convertValue(chunks.get(i).get("tokens"), int[].class);
                assertEquals(Arrays.toString(expected), Arrays.toString(((PromptSegment.Text) prompt.get(i)).tokens()), "text chunk " + i);
            }
            assertEquals(chunks.get(1).get("n_tokens").asInt(), prompt.get(1).length());
            KvCache cache = model.decoder().newCache(128);
            float[] logits = model.generator().prefill(prompt, cache);
            Diff diff = Diff.of(logits, FloatFiles.read(YOUTUVL.resolve("image").resolve(id + ".logits.bin")));
            assertEquals(0.0, diff.maxAbs(), diff.toString());
        }
    }

    /** The family opens from its files' metadata and annotates: grounding, detection and segmentation send Youtu-VL's own instructions. */
    @Test
    void annotatesAndGrounds() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        try (YoutuVlModel model = open(Numerics.FAST)) {
            assertTrue(model.describe().startsWith("youtuvl (deepseek2 + youtuvl)"), model.describe());
            GenerationSettings settings = GenerationSettings.GREEDY.withMaxTokens(4);
            Annotation caption = model.annotate(png, Task.CAPTION, null, settings);
            assertEquals(4, caption.generatedTokens());
            assertEquals(96, caption.imageWidth());
            assertEquals(6, caption.stages().imagePositions());
            Annotation ground = model.annotate(png, Task.GROUND, "the red square", settings);
            assertEquals("Please provide the bounding box coordinate of the region this sentence describes: the red square", ground.prompt());
            assertNotNull(ground.boxes());
            assertThrows(IllegalArgumentException.class, () -> model.annotate(png, Task.GROUND, " ", settings));
            // Referring segmentation: Youtu-VL's question around the expression; the masks column is
            // a list (empty when the answer holds no polygon, as a random-weight model's does).
            Annotation segment = model.annotate(png, Task.SEGMENT, " the red square ", settings);
            assertEquals("Can you segment \"the red square\" in this image?", segment.prompt());
            assertNotNull(segment.masks());
            assertThrows(IllegalArgumentException.class, () -> model.annotate(png, Task.SEGMENT, null, settings));
            // Detection: every object, or the listed categories comma-joined as the demo joins them.
            Annotation all = model.annotate(png, Task.DETECT, null, settings);
            assertEquals("Detect all objects in the provided image.", all.prompt());
            assertNotNull(all.boxes());
            assertEquals("Detect every objects that belongs to the following categories: red square,blue square",
                    model.annotate(png, Task.DETECT, "red square, blue square", settings).prompt());
            // Pose: the demo's MPII instruction (verbatim, 16 joints in its order) unless the row gives its own; persons in the keypoints field.
            Annotation pose = model.annotate(png, Task.POSE, null, settings);
            assertTrue(pose.prompt().startsWith("Detect all persons and their poses from the image within the class set of MPII Human Pose Dataset."
                    + " The output format should be a JSON-like string, containing person instances."), pose.prompt());
            assertTrue(pose.prompt().endsWith(" (14) left_elbow, (15) left_wrist. Please output all detected persons with their bounding boxes and keypoints."),
                    pose.prompt());
            assertEquals("Find the people.", model.annotate(png, Task.POSE, "Find the people.", settings).prompt());
            assertNotNull(pose.keypoints());
            assertEquals("no <person> in the answer", pose.parseError());
            assertThrows(IllegalArgumentException.class, () -> model.annotate(png, Task.CAPTION, null, settings, new ImageLimits(512, 0)));
            // A per-row token cap shrinks the image: 96x64 under one token becomes 32x32, one position.
            assertEquals(1, model.annotate(png, Task.CAPTION, null, settings, new ImageLimits(0, 1)).stages().imagePositions());
        }
    }

    /**
     * Semantic segmentation and depth send the demo's prompts, and their answers are read with
     * control tokens rendered: {@code <mask>} is a control token in converted GGUF files (as
     * llama.cpp's converter marks it), which plain text leaves out. Answers made of the
     * tokenizer's own ids, end-of-generation included, parse into masks and a depth grid.
     */
    @Test
    void denseAnswersAreReadWithTheirControlTokens() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        try (YoutuVlModel model = open(Numerics.FAST)) {
            GenerationSettings settings = GenerationSettings.GREEDY.withMaxTokens(3);
            Annotation semantic = model.annotate(png, Task.SEMANTIC, "sky, red square", settings);
            assertEquals("Segment: sky, red square., without the background class.", semantic.prompt());
            assertNotNull(semantic.masks());
            Annotation depth = model.annotate(png, Task.DEPTH, null, settings);
            assertEquals("Estimate the depth.", depth.prompt());

            // <mask> is user-defined in these files, a control token in converted ones: a control token
            // of this vocabulary (<|vision_end|>) stands in for it, to show control tokens reach the parser.
            var tokenizer = model.tokenizer();
            int eog = tokenizer.vocabulary().eogIds()[0];
            int[] body = tokenizer.encode("<ref>sky</ref><ref>red square</ref><|vision_end|><mask>(0,4000)(1,2144)</mask>", false, true);
            int control = tokenizer.encode("<|vision_end|>", false, true)[0];
            assertTrue(tokenizer.vocabulary().isControl(control));
            assertTrue(!tokenizer.decode(body, false).contains("<|vision_end|>"), "plain text drops control tokens");
            int[] answer = Arrays.copyOf(body, body.length + 1);
            answer[body.length] = eog;
            PreparedRequest request = model.prepare(png, Task.SEMANTIC, "sky, red square", ImageLimits.NONE);
            Annotation a = model.annotation(request, new Generation("", answer, 10, "stop", null, 0, 0));
            assertEquals(null, a.parseError());
            assertEquals("<ref>sky</ref><ref>red square</ref><|vision_end|><mask>(0,4000)(1,2144)</mask>", a.text(),
                    "control tokens rendered, the end-of-generation token left out");
            assertEquals(List.of("sky", "red square"), a.masks().stream().map(Annotation.Mask::label).toList());
            assertEquals(64, a.masks().get(0).height());
            assertEquals(96, a.masks().get(0).width());

            int[] depthAnswer = tokenizer.encode("<depth><mask>(300,20)(7,4)</mask>", false, true); // 96x64 px: 6x4 cells
            PreparedRequest depthRequest = model.prepare(png, Task.DEPTH, null, ImageLimits.NONE);
            Annotation d = model.annotation(depthRequest, new Generation("", depthAnswer, 10, "length", null, 0, 0));
            assertEquals(null, d.parseError());
            assertEquals(6, d.depth().gridWidth());
            assertEquals(4, d.depth().gridHeight());
            assertEquals(300, d.depth().codes()[19]);
            assertEquals(7, d.depth().codes()[20]);
        }
    }

    /**
     * The hidden states kept at image positions are what the output head reads there: each
     * kept row dotted with a token's output row gives that position's logit for the token, as
     * the decoder's own all-positions logits give it.
     */
    @Test
    void keptHiddenStatesAreWhatTheOutputHeadReads() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        try (YoutuVlModel model = open(Numerics.EXACT)) {
            PreparedRequest r = model.prepare(png, Task.SEMANTIC, "sky", ImageLimits.NONE);
            assertNotNull(r.hidden(), "a semantic request keeps hidden states (auto readout)");
            var decoder = model.decoder();
            model.generator().prefill(r.segments(), decoder.newCache(128), r.hidden());
            ImageHiddenStates h = r.hidden();
            assertEquals(3, h.gridX());
            assertEquals(2, h.gridY());
            // The same prompt with every position's logits: the text before the image, then the image.
            KvCache cache = decoder.newCache(128);
            int[] before = ((PromptSegment.Text) r.segments().get(0)).tokens();
            int e = decoder.embeddingLength(), v = decoder.vocabularySize();
            float[] in = new float[before.length * e];
            decoder.embed(before, 0, before.length, in, 0);
            float[] textLogits = decoder.forward(in, before.length, cache, true);
            float[] imageLogits = decoder.forward(((PromptSegment.Embeddings) r.segments().get(1)).rows(), 6, cache, true);
            int[] tokens = {0, 7, 2662, v - 1};
            float[] out = decoder.outputRows(tokens);
            for (int row = 0; row < 7; row++) {
                for (int t = 0; t < tokens.length; t++) {
                    double dot = 0;
                    for (int i = 0; i < e; i++) dot += (double) h.rows()[row * e + i] * out[t * e + i];
                    float expected = row == 0 ? textLogits[(before.length - 1) * v + tokens[t]] : imageLogits[(row - 1) * v + tokens[t]];
                    assertEquals(expected, dot, 1e-3 * Math.max(1, Math.abs(expected)), "row " + row + ", token " + tokens[t]);
                }
            }
        }
    }

    /**
     * With the hidden-state readout, semantic segmentation gives masks of the original image's
     * size from any answer: one per candidate class with pixels, together covering every pixel
     * (softmax assigns each one a class, and no candidate is the background).
     */
    @Test
    void hiddenStateReadoutGivesMasksOfTheOriginalImage() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        ImageAnnotator a = VisionLanguageModels.open(YOUTUVL.resolve("models/youtuvl-text-f16.gguf"), YOUTUVL.resolve("models/youtuvl-mmproj-f16.gguf"),
                new ModelOptions(new ComputePool(2), 0, Numerics.FAST, 0, 0, dev.loupe.engine.task.DenseReadout.parse("hidden"),
                        dev.loupe.engine.task.PromptBook.defaults()));
        try (a) {
            Annotation s = a.annotate(png, Task.SEMANTIC, "sky, red square, grass", GenerationSettings.GREEDY.withMaxTokens(2));
            assertTrue(s.masks().size() >= 1 && s.masks().size() <= 3, s.masks().toString());
            long area = 0;
            for (Annotation.Mask m : s.masks()) {
                assertEquals(64, m.height());
                assertEquals(96, m.width());
                assertTrue(List.of("sky", "red square", "grass").contains(m.label()), m.label());
                int[] counts = dev.loupe.engine.task.CocoRle.parse(m.counts());
                for (int i = 1; i < counts.length; i += 2) area += counts[i];
            }
            assertEquals(96 * 64, area, "every pixel in exactly one class's mask");
            assertTrue(s.parseError().endsWith("(masks read from the hidden states instead)"), s.parseError());
        }
    }

    /**
     * The core-target and multi-pass tasks on the real (random-weight) model: the core target's
     * masks come from the hidden states over the image (its answer has no runs); the multi-pass
     * tasks run their first pass and say why they stop there (no polygon, no named classes).
     */
    @Test
    void coreTargetAndMultiPassTasksRunOnTheModel() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        try (YoutuVlModel model = open(Numerics.FAST)) {
            GenerationSettings settings = GenerationSettings.GREEDY.withMaxTokens(2);
            Annotation core = model.annotate(png, Task.CORE, null, settings);
            assertEquals("Segment the core target.", core.prompt());
            assertTrue(core.masks().stream().allMatch(m -> m.label().equals("<FG>") && m.width() == 96 && m.height() == 64), core.masks().toString());
            Annotation refined = model.annotate(png, Task.SEGMENT_REFINED, "the red square", settings);
            assertEquals("Can you segment \"the red square\" in this image?", refined.prompt());
            assertEquals("no <ins> or <poly> polygon in the answer", refined.parseError());
            assertEquals(List.of(), refined.masks());
            Annotation open = model.annotate(png, Task.SEGMENT_OPEN, null, settings);
            assertEquals("Segment all objects in this image.", open.prompt());
            assertTrue(open.parseError().startsWith("the first pass named no classes"), open.parseError());
            Exception e = assertThrows(IllegalArgumentException.class, () -> model.prepare(png, Task.SEGMENT_OPEN, null, ImageLimits.NONE));
            assertTrue(e.getMessage().contains("several passes"), e.getMessage());
        }
    }
}
