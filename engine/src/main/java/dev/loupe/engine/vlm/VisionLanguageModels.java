package dev.loupe.engine.vlm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Opens a text GGUF + mmproj GGUF pair as an {@link ImageAnnotator}. The family is chosen from
 * metadata ({@code general.architecture} of the text model, {@code clip.projector_type} of the
 * mmproj), never from file names. Every problem (missing file, truncated or foreign GGUF,
 * unsupported family) is reported here, before any image is processed.
 */
public final class VisionLanguageModels {
    private VisionLanguageModels() {}

    public static ImageAnnotator open(Path model, Path mmproj) {
        return open(model, mmproj, ModelOptions.defaults());
    }

    public static ImageAnnotator open(Path model, Path mmproj, ModelOptions options) {
        requireFile(model, "model");
        requireFile(mmproj, "mmproj");
        GgufFile text = GgufFile.open(model);
        GgufFile vision;
        try {
            vision = GgufFile.open(mmproj);
        } catch (RuntimeException e) {
            text.close();
            throw e;
        }
        try {
            String arch = text.metadata().string("general.architecture");
            String projector = vision.metadata().optString("clip.projector_type")
                    .orElseThrow(() -> new GgufFormatException(mmproj, "not an mmproj file: missing clip.projector_type"));
            if (arch.equals("llama") && projector.equals("idefics3")) return new SmolVlmModel(text, vision, options);
            if (arch.equals("qwen3vl") && projector.equals("qwen3vl_merger")) return new Qwen3VlModel(text, vision, options);
            if (arch.equals("deepseek2") && projector.equals("youtuvl")) return new YoutuVlModel(text, vision, options);
            throw new UnsupportedOperationException("model family " + arch + " + " + projector + " is not supported yet ("
                    + model.getFileName() + ", " + mmproj.getFileName() + ")");
        } catch (RuntimeException e) {
            text.close();
            vision.close();
            throw e;
        }
    }

    /**
     * The tasks the family of a text model ({@code general.architecture}) and mmproj
     * ({@code clip.projector_type}) is trained for, i.e. does not refuse: what a job can check on
     * the driver from metadata alone, before loading weights (the eval job runs referring
     * segmentation only where the model can segment). Empty for an unsupported family.
     */
    public static Set<Task> tasks(String architecture, String projector) {
        if ("llama".equals(architecture) && "idefics3".equals(projector)) return EnumSet.copyOf(SmolVlmModel.TASKS);
        if ("qwen3vl".equals(architecture) && "qwen3vl_merger".equals(projector)) return EnumSet.copyOf(Qwen3VlModel.TASKS);
        if ("deepseek2".equals(architecture) && "youtuvl".equals(projector)) return EnumSet.copyOf(YoutuVlModel.TASKS);
        return EnumSet.noneOf(Task.class);
    }

    private static void requireFile(Path p, String role) {
        if (p == null) throw new IllegalArgumentException("no " + role + " file given");
        if (!Files.isRegularFile(p)) throw new GgufFormatException(p, role + " file does not exist");
    }
}
