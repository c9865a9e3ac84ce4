package dev.loupe.engine.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Per-request resolution caps: the two kinds, and a model refusing the kind it does not take. */
class ImageLimitsTest {
    @Test
    void nullOrZeroColumnsMeanNoCap() {
        assertSame(ImageLimits.NONE, ImageLimits.of(null, null));
        assertSame(ImageLimits.NONE, ImageLimits.of(0, 0));
        assertEquals(new ImageLimits(0, 16), ImageLimits.of(null, 16));
        assertEquals(new ImageLimits(1024, 0), ImageLimits.ofLongestEdge(1024));
        assertThrows(IllegalArgumentException.class, () -> new ImageLimits(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new ModelOptions(ComputePool.shared(), 0, Numerics.FAST, 0, -4));
    }

    /** Grounding, detection and segmentation need a model trained for them: SmolVLM refuses each by name, naming who does it. */
    @Test
    void smolVlmRefusesTheGroundAndSegmentTasks() throws Exception {
        try (SmolVlmModel m = smolVlm()) {
            byte[] png = Files.readAllBytes(Path.of("src/test/resources/oracle/images/synth_1x1.png"));
            Exception e = assertThrows(IllegalArgumentException.class, () -> m.prepare(png, Task.GROUND, "the dot", ImageLimits.NONE));
            assertTrue(e.getMessage().contains("task 'ground'") && e.getMessage().contains("Qwen3-VL"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.prepare(png, Task.DETECT, null, ImageLimits.NONE));
            assertTrue(e.getMessage().contains("task 'detect'") && e.getMessage().contains("Youtu-VL"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.prepare(png, Task.SEGMENT, "the dot", ImageLimits.NONE));
            assertTrue(e.getMessage().contains("task 'segment'") && e.getMessage().contains("Youtu-VL"), e.getMessage());
        }
    }

    /** Qwen3-VL's frame of the oracle's 96x64 image in its 128x96 canvas, as RelativeBoxesTest uses it. */
    @Test
    void qwen3VlFrameOfALetterboxedImage() {
        assertEquals(new dev.loupe.engine.task.ImageFrame(96, 64, 128, 96, 0, 5, 128, 86),
                Qwen3VlModel.frame(new dev.loupe.engine.vision.RgbImage(96, 64, new byte[96 * 64 * 3]),
                        new dev.loupe.engine.vision.DynamicImage(128, 96, new float[3 * 128 * 96])));
    }

    /** SmolVLM tiles images: a token cap is that row's error, naming the limit it does take. */
    @Test
    void smolVlmRefusesATokenCapByName() throws Exception {
        try (SmolVlmModel m = smolVlm()) {
            byte[] png = Files.readAllBytes(Path.of("src/test/resources/oracle/images/synth_1x1.png"));
            Exception e = assertThrows(IllegalArgumentException.class, () -> m.prepare(png, Task.parse("caption"), null, new ImageLimits(0, 16)));
            assertTrue(e.getMessage().contains("max_longest_edge"), e.getMessage());
        }
    }

    /** The oracle's tiny SmolVLM (F16 text + mmproj) from the test resources. */
    static SmolVlmModel smolVlm() {
        Path dir = Path.of("src/test/resources/oracle/smolvlm/models");
        return new SmolVlmModel(GgufFile.open(dir.resolve("smolvlm-text-f16.gguf")), GgufFile.open(dir.resolve("smolvlm-mmproj-f16.gguf")),
                new ModelOptions(new ComputePool(1), 0, Numerics.FAST));
    }
}
