package dev.loupe.udf;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.VisionLanguageModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The production loader: the engine's GGUF text model + mmproj pair. */
public final class GgufAnnotatorLoader implements AnnotatorLoader {
    private static final String ARCHITECTURE = "general.architecture";
    private static final String PROJECTOR = "clip.projector_type";
    private static final String TILE_SIZE = "clip.vision.image_size";

    @Override
    public ImageAnnotator load(Path model, Path mmproj, ModelKey key) {
        return VisionLanguageModels.open(model, mmproj,
                new ModelOptions(ExecutorThreads.pool(), key.maxLongestEdge(), key.numerics(), 0, key.maxImageTokens(), key.readout(),
                        key.prompts(), key.repackWeights()));
    }

    /**
     * Checks both files without building the model (the driver must not pay for weights it
     * never uses). Local files are parsed in full, header and tensor index (truncation is caught
     * there); remote ones (hdfs://, s3a://...) are read up to the end of their metadata.
     */
    @Override
    public void validate(ModelKey key) {
        Facts model = facts(key.model(), "model");
        Facts mmproj = facts(key.mmproj(), "mmproj");
        if (model.architecture() == null) throw model.problem("no " + ARCHITECTURE + ": not a llama.cpp model file");
        if (model.projector() != null) {
            throw model.problem("this is an mmproj file (" + model.architecture() + "), not a text model: pass it as the mmproj");
        }
        if (mmproj.projector() == null) throw mmproj.problem("not an mmproj file: missing " + PROJECTOR);
        if (key.maxLongestEdge() > 0) checkMaxLongestEdge(key.mmproj(), mmproj.projector(), mmproj.tileSize(), key.maxLongestEdge());
        if (key.maxImageTokens() > 0 && mmproj.projector().equals("idefics3")) {
            throw new IllegalArgumentException("--max-image-tokens (spark.loupe.maxImageTokens) applies to dynamic-resolution models"
                    + " (Qwen3-VL, Youtu-VL); " + key.mmproj() + " is an idefics3 projector, capped by --max-longest-edge");
        }
    }

    /** The family's tasks, from the two files' metadata (the header only for remote files). */
    @Override
    public Set<Task> tasks(ModelKey key) {
        return VisionLanguageModels.tasks(facts(key.model(), "model").architecture(), facts(key.mmproj(), "mmproj").projector());
    }

    /** The engine's own rule (see Idefics3Preprocessor), checked here to name the option and the file. */
    static void checkMaxLongestEdge(String mmproj, String projector, long tileSize, int maxLongestEdge) {
        if (!projector.equals("idefics3")) {
            throw new IllegalArgumentException("--max-longest-edge (spark.loupe.maxLongestEdge) applies to idefics3 models (SmolVLM);"
                    + " " + mmproj + " is a " + projector + " projector");
        }
        if (tileSize <= 0) throw new IllegalArgumentException(mmproj + ": no " + TILE_SIZE + " in an idefics3 mmproj");
        if (maxLongestEdge % tileSize != 0) {
            long below = Math.max(tileSize, maxLongestEdge / tileSize * tileSize);
            throw new IllegalArgumentException("--max-longest-edge (spark.loupe.maxLongestEdge) " + maxLongestEdge
                    + " must be a multiple of the tile size " + tileSize + " of " + mmproj + ", e.g. " + below);
        }
    }

    /** What validation needs from one file's metadata; problems name the file as the user gave it. */
    private record Facts(String location, Path local, String architecture, String projector, long tileSize) {
        RuntimeException problem(String what) {
            return local != null ? new GgufFormatException(local, what) : new IllegalArgumentException(location + ": " + what);
        }

        static Facts of(String location, Path local, Function<String, Object> metadata) {
            return new Facts(location, local, text(metadata.apply(ARCHITECTURE)), text(metadata.apply(PROJECTOR)),
                    metadata.apply(TILE_SIZE) instanceof Number n ? n.longValue() : 0);
        }

        private static String text(Object value) {
            return value instanceof String s ? s : null;
        }
    }

    private static Facts facts(String location, String role) {
        if (ModelLocations.isRemote(location)) {
            Map<String, Object> metadata = RemoteGgufHeader.read(location, role, HadoopConfs.current());
            return Facts.of(location, null, metadata::get);
        }
        Path path = ModelLocations.localPath(location);
        requireFile(path, role);
        try (GgufFile file = GgufFile.open(path)) {
            GgufMetadata m = file.metadata();
            return Facts.of(location, path, k -> k.equals(TILE_SIZE) ? (Object) m.integer(k, 0) : m.optString(k).orElse(null));
        }
    }

    private static void requireFile(Path p, String role) {
        if (!Files.exists(p)) throw new GgufFormatException(p, role + " file does not exist");
        if (!Files.isRegularFile(p)) throw new GgufFormatException(p, role + " is not a regular file");
        if (!Files.isReadable(p)) throw new GgufFormatException(p, role + " file is not readable");
    }
}
