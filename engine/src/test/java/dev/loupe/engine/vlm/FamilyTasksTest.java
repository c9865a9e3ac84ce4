package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tasks a family declares from metadata (what jobs decide on the driver with) are the tasks
 * its model does not refuse: every other task is refused by the loaded model, naming it.
 */
class FamilyTasksTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"smolvlm/models/smolvlm-text-f16.gguf, smolvlm/models/smolvlm-mmproj-f16.gguf, caption vqa",
            "qwen3vl/models/qwen3vl-text-f16-decoder-only.gguf, qwen3vl/models/qwen3vl-mmproj-f16.gguf, caption vqa ground detect",
            "youtuvl/models/youtuvl-text-f16.gguf, youtuvl/models/youtuvl-mmproj-f16.gguf, caption vqa ground detect segment pose"})
    void aFamilyRefusesExactlyTheTasksItDoesNotDeclare(String text, String mmproj, String declared) throws Exception {
        Set<Task> tasks;
        try (GgufFile t = GgufFile.open(ORACLE.resolve(text)); GgufFile v = GgufFile.open(ORACLE.resolve(mmproj))) {
            tasks = VisionLanguageModels.tasks(t.metadata().string("general.architecture"), v.metadata().string("clip.projector_type"));
        }
        Set<Task> expected = EnumSet.noneOf(Task.class);
        for (String id : declared.split(" ")) expected.add(Task.parse(id));
        assertEquals(expected, tasks);
        byte[] png = Files.readAllBytes(ORACLE.resolve("images/synth_1x1.png"));
        try (ImageAnnotator model = VisionLanguageModels.open(ORACLE.resolve(text), ORACLE.resolve(mmproj))) {
            for (Task task : EnumSet.complementOf(EnumSet.copyOf(expected))) {
                Exception e = assertThrows(IllegalArgumentException.class, () -> model.annotate(png, task, "the dot", GenerationSettings.GREEDY));
                assertTrue(e.getMessage().contains("task '" + task.id + "'"), e.getMessage());
            }
        }
    }
}
