package dev.loupe.udf;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;

/** The production loader: the engine's GGUF text model + mmproj pair. */
public final class GgufAnnotatorLoader implements AnnotatorLoader {

    @Override
    public ImageAnnotator load(Path model, Path mmproj) {
        return VisionLanguageModels.open(model, mmproj);
    }

    /**
     * Parses both GGUF headers and tensor indexes (truncation is caught there) without building
     * the model: the driver must not pay for weights it never uses.
     */
    @Override
    public void validate(Path model, Path mmproj) {
        requireFile(model, "model");
        requireFile(mmproj, "mmproj");
        try (GgufFile text = GgufFile.open(model)) {
            String arch = text.metadata().optString("general.architecture")
                    .orElseThrow(() -> new GgufFormatException(model, "no general.architecture: not a llama.cpp model file"));
            if (text.metadata().has("clip.projector_type")) {
                throw new GgufFormatException(model, "this is an mmproj file (" + arch + "), not a text model: pass it as the mmproj");
            }
        }
        try (GgufFile vision = GgufFile.open(mmproj)) {
            if (!vision.metadata().has("clip.projector_type")) {
                throw new GgufFormatException(mmproj, "not an mmproj file: missing clip.projector_type");
            }
        }
    }

    private static void requireFile(Path p, String role) {
        if (!Files.exists(p)) throw new GgufFormatException(p, role + " file does not exist");
        if (!Files.isRegularFile(p)) throw new GgufFormatException(p, role + " is not a regular file");
        if (!Files.isReadable(p)) throw new GgufFormatException(p, role + " file is not readable");
    }
}
