package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tasks a family declares from metadata (what jobs decide on the driver with) are the tasks
 * its model does not refuse: every other task is refused by the loaded model, naming it.
 */
class FamilyTasksTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"smolvlm/models/smolvlm-text-f16.gguf, smolvlm/models/smolvlm-mmproj-f16.gguf, caption vqa count ocr classify",
            "qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf, qwen3vl/models/qwen3vl-mmproj-f16.gguf, caption vqa ground detect point count ocr classify",
            "youtuvl/models/youtuvl-text-f16.gguf, youtuvl/models/youtuvl-mmproj-f16.gguf, caption vqa ground detect segment pose semantic depth core segment-refined segment-open count ocr classify"})
    void aFamilyRefusesExactlyTheTasksItDoesNotDeclare(String text, String mmproj, String declared) throws Exception {
        Set<Task> tasks;
        try (GgufFile t = GgufFile.open(ORACLE.resolve(text)); GgufFile v = GgufFile.open(ORACLE.resolve(mmproj))) {
            tasks = VisionLanguageModels.tasks(t.metadata().string("general.architecture"), v.metadata().string("clip.projector_type"));
        }
        Set<Task> expected = EnumSet.noneOf(Task.class);
        for (String id : declared.split(" ")) expected.add(Task.parse(id));
        assertEquals(expected, tasks);
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_1x1.png"));
        Path textModel = text.endsWith("-decoder-only.gguf") ? withTokenizer(ORACLE.resolve(text), tmp) : ORACLE.resolve(text);
        try (ImageAnnotator model = VisionLanguageModels.open(textModel, ORACLE.resolve(mmproj))) {
            for (Task task : EnumSet.complementOf(EnumSet.copyOf(expected))) {
                Exception e = assertThrows(IllegalArgumentException.class, () -> model.annotate(png, task, "the dot", GenerationSettings.GREEDY));
                assertTrue(e.getMessage().contains("task '" + task.id + "'"), e.getMessage());
            }
        }
    }

    /**
     * Point, count and OCR answers as each family reads them, from hand-written answers to real
     * prepared requests (the oracle's 96x64 image): points and boxes in original-image pixels,
     * counts of distinct boxes or from words, OCR text without its fences.
     */
    @org.junit.jupiter.api.Test
    void eachFamilyReadsPointCountAndOcrAnswers() throws Exception {
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_rgba_96x64.png"));
        Path qwenText = withTokenizer(ORACLE.resolve("qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf"), tmp);
        try (BatchableAnnotator qwen = (BatchableAnnotator) VisionLanguageModels.open(qwenText, ORACLE.resolve("qwen3vl/models/qwen3vl-mmproj-f16.gguf"))) {
            // 96x64 in a 128x96 canvas: scaled by 4/3 to 128x86, 5 rows of border above (RelativeBoxesTest.LETTERBOXED).
            PreparedRequest point = qwen.prepare(png, new TaskRequest(Task.POINT, null, List.of("dot")), ImageLimits.NONE);
            assertEquals(new dev.loupe.engine.task.ImageFrame(96, 64, 128, 96, 0, 5, 128, 86), point.frame());
            assertEquals("Locate every instance that belongs to the following categories: \"dot\". Report point coordinates in JSON format.", point.prompt());
            Annotation a = qwen.annotation(point, answer("```json\n[{\"point_2d\": [500, 500], \"label\": \"dot\"}, {\"point_2d\": [500, 500], \"label\": \"dot\"}, {\"point_2d\": [250, 0]}, {\"point_2d\": [7"));
            assertEquals(List.of(new Annotation.Point("dot", 48, 32), new Annotation.Point(null, 24, 0)), a.points());
            assertEquals("1 of 4 \"point_2d\" entries is not two numbers (the answer ends inside one)", a.parseError());
            assertNull(a.count());

            PreparedRequest count = qwen.prepare(png, TaskRequest.of(Task.COUNT, "dots"), ImageLimits.NONE);
            assertEquals("Locate all dots in this image and output their bbox coordinates in JSON format.", count.prompt());
            a = qwen.annotation(count, answer("[{\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dot\"}, {\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dot\"}]"));
            assertEquals(1, a.count());
            assertEquals(List.of(new Annotation.Box("dot", 0, 0, 48, 32, null)), a.boxes());
            assertNull(a.parseError());

            PreparedRequest detect = qwen.prepare(png, new TaskRequest(Task.DETECT, null, List.of("dot", "line")), ImageLimits.NONE);
            assertEquals("Locate every instance that belongs to the following categories: \"dot, line\". Report bbox coordinates in JSON format.", detect.prompt());
            a = qwen.annotation(detect, answer("[{\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dot\"}, {\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dot\"}]"));
            assertEquals(List.of(new Annotation.Box("dot", 0, 0, 48, 32, null)), a.boxes(), "a repeated box is one detection");

            a = qwen.annotation(qwen.prepare(png, Task.OCR, null), answer("The sign reads:\n```\nNO ENTRY\n```"));
            assertEquals("NO ENTRY", a.text());
            assertEquals("Read all texts in the image, output in lines.", a.prompt());
        }
        try (BatchableAnnotator smol = (BatchableAnnotator) VisionLanguageModels.open(ORACLE.resolve("smolvlm/models/smolvlm-text-f16.gguf"),
                ORACLE.resolve("smolvlm/models/smolvlm-mmproj-f16.gguf"))) {
            Annotation a = smol.annotation(smol.prepare(png, Task.COUNT, "dots"), answer("There are two dots."));
            assertEquals(2, a.count());
            assertNull(a.boxes());
            assertNull(a.parseError());
            a = smol.annotation(smol.prepare(png, Task.COUNT, "dots"), answer("I am not sure."));
            assertNull(a.count());
            assertEquals("no number in the answer", a.parseError());
        }
        try (BatchableAnnotator youtu = (BatchableAnnotator) VisionLanguageModels.open(ORACLE.resolve("youtuvl/models/youtuvl-text-f16.gguf"),
                ORACLE.resolve("youtuvl/models/youtuvl-mmproj-f16.gguf"))) {
            PreparedRequest count = youtu.prepare(png, new TaskRequest(Task.COUNT, null, List.of("dot")), ImageLimits.NONE);
            assertEquals("Detect every objects that belongs to the following categories: dot", count.prompt());
            assertEquals(new dev.loupe.engine.task.ImageFrame(96, 64, 96, 64, 0, 0, 96, 64), count.frame());
            Annotation a = youtu.annotation(count, answer("<ref>dot</ref><box><x_0><y_0><x_48><y_32></box><box><x_0><y_0><x_48><y_32></box>"));
            assertEquals(1, a.count());
            assertEquals(List.of(new Annotation.Box("dot", 0, 0, 48, 32, null)), a.boxes());
            assertEquals("Detect every objects that belongs to the following categories: dot,line",
                    youtu.prepare(png, new TaskRequest(Task.DETECT, "ignored, when categories are given", List.of("dot", "line")), ImageLimits.NONE).prompt());
            a = youtu.annotation(youtu.prepare(png, Task.COUNT, "dots"), answer("There are 3 dots in the image."));
            assertEquals(3, a.count());
            assertNull(a.boxes());
        }
    }

    /** A generation whose text is {@code text}, as if the model had written it. */
    private static Generation answer(String text) {
        return new Generation(text, new int[] {1, 2, 3}, 10, "stop", null, 0, 0);
    }

    /** The oracle's Qwen3-VL text model, kept as a decoder-only GGUF and a gzipped tokenizer (DERIVED-RESOURCES.md), made whole. */
    static Path withTokenizer(Path decoderOnly, Path tmp) throws Exception {
        Path tokenizer = tmp.resolve("tokenizer.gguf"), out = tmp.resolve("text.gguf");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(decoderOnly.resolveSibling("qwen3vl-tokenizer.gguf.gz")))) {
            Files.copy(in, tokenizer);
        }
        try (GgufFile decoder = GgufFile.open(decoderOnly); GgufFile vocab = GgufFile.open(tokenizer)) {
            GgufWriter w = new GgufWriter();
            w.putAll(decoder.metadata().asMap());
            for (Map.Entry<String, GgufValue> e : vocab.metadata().asMap().entrySet()) if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), e.getValue());
            for (GgufTensor t : decoder.tensors().values()) w.addTensor(t.name(), t.type(), t.ne(), t.data());
            w.write(out);
        }
        return out;
    }
}
