package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.task.Task;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
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
    @CsvSource({"smolvlm/models/smolvlm-text-f16.gguf, smolvlm/models/smolvlm-mmproj-f16.gguf, caption vqa classify",
            "qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf, qwen3vl/models/qwen3vl-mmproj-f16.gguf, caption vqa ground detect classify",
            "youtuvl/models/youtuvl-text-f16.gguf, youtuvl/models/youtuvl-mmproj-f16.gguf, caption vqa ground detect segment pose semantic depth core segment-refined segment-open classify"})
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
