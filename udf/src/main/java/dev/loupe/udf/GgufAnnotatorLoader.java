package dev.loupe.udf;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;

/** The production loader: the engine's GGUF text model + mmproj pair. */
public final class GgufAnnotatorLoader implements AnnotatorLoader {
    private static final String PROJECTOR = "clip.projector_type";
    private static final String TILE_SIZE = "clip.vision.image_size";

    @Override
    public ImageAnnotator load(Path model, Path mmproj, int maxLongestEdge) {
        return VisionLanguageModels.open(model, mmproj, new ModelOptions(ComputePool.shared(), maxLongestEdge));
    }

    /**
     * Parses both GGUF headers and tensor indexes (truncation is caught there) without building
     * the model: the driver must not pay for weights it never uses.
     */
    @Override
    public void validate(ModelKey key) {
        Path model = key.modelPath();
        Path mmproj = key.mmprojPath();
        requireFile(model, "model");
        requireFile(mmproj, "mmproj");
        try (GgufFile text = GgufFile.open(model)) {
            String arch = text.metadata().optString("general.architecture")
                    .orElseThrow(() -> new GgufFormatException(model, "no general.architecture: not a llama.cpp model file"));
            if (text.metadata().has(PROJECTOR)) {
                throw new GgufFormatException(model, "this is an mmproj file (" + arch + "), not a text model: pass it as the mmproj");
            }
        }
        try (GgufFile vision = GgufFile.open(mmproj)) {
            String projector = vision.metadata().optString(PROJECTOR)
                    .orElseThrow(() -> new GgufFormatException(mmproj, "not an mmproj file: missing " + PROJECTOR));
            if (key.maxLongestEdge() > 0) {
                checkMaxLongestEdge(mmproj, projector, vision.metadata().integer(TILE_SIZE, 0), key.maxLongestEdge());
            }
        }
    }

    /** The engine's own rule (see Idefics3Preprocessor), checked here to name the option and the file. */
    static void checkMaxLongestEdge(Path mmproj, String projector, long tileSize, int maxLongestEdge) {
        if (!projector.equals("idefics3")) {
            throw new IllegalArgumentException("--max-longest-edge (spark.loupe.maxLongestEdge) applies to idefics3 models (SmolVLM);"
                    + " " + mmproj + " is a " + projector + " projector");
        }
        if (tileSize <= 0) throw new GgufFormatException(mmproj, "no " + TILE_SIZE + " in an idefics3 mmproj");
        if (maxLongestEdge % tileSize != 0) {
            long below = Math.max(tileSize, maxLongestEdge / tileSize * tileSize);
            throw new IllegalArgumentException("--max-longest-edge (spark.loupe.maxLongestEdge) " + maxLongestEdge
                    + " must be a multiple of the tile size " + tileSize + " of " + mmproj + ", e.g. " + below);
        }
    }

    private static void requireFile(Path p, String role) {
        if (!Files.exists(p)) throw new GgufFormatException(p, role + " file does not exist");
        if (!Files.isRegularFile(p)) throw new GgufFormatException(p, role + " is not a regular file");
        if (!Files.isReadable(p)) throw new GgufFormatException(p, role + " file is not readable");
    }
}
