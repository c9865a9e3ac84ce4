package dev.loupe.udf;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Identifies one loaded model in an executor JVM: the text GGUF, the mmproj GGUF, the loader
 * that turns them into an annotator (always the default outside tests) and the settings fixed at
 * load time. Two jobs that differ in {@code maxLongestEdge} need two loaded models (the image
 * preprocessing is part of the model), hence two keys.
 *
 * @param maxLongestEdge idefics3: the longest edge images are scaled to before tiling, a multiple
 *                       of the model's tile size; 0 keeps the model's own
 */
public record ModelKey(String model, String mmproj, String loader, int maxLongestEdge) implements Serializable {

    public ModelKey {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(mmproj, "mmproj");
        loader = loader == null || loader.isBlank() ? AnnotatorLoaders.DEFAULT : loader.trim();
        if (maxLongestEdge < 0) throw new IllegalArgumentException("maxLongestEdge must be >= 0 (0 = the model's own), got " + maxLongestEdge);
    }

    /** A key with the model's own resolution. */
    public ModelKey(String model, String mmproj, String loader) {
        this(model, mmproj, loader, 0);
    }

    public Path modelPath() {
        return localPath(model, "model");
    }

    public Path mmprojPath() {
        return localPath(mmproj, "mmproj");
    }

    /** "SmolVLM-256M-Instruct-Q8_0.gguf": what the output's {@code model} column says. */
    public String modelName() {
        Path name = modelPath().getFileName();
        return name == null ? model : name.toString();
    }

    @Override
    public String toString() {
        return model + " + " + mmproj + (maxLongestEdge > 0 ? " (max longest edge " + maxLongestEdge + ")" : "")
                + (loader.equals(AnnotatorLoaders.DEFAULT) ? "" : " (loader " + loader + ")");
    }

    /**
     * A plain path or a file: URI. Remote URIs (hdfs://, s3a://) would need a copy to local disk
     * first, which is not built yet: say so instead of failing later with a confusing error.
     */
    static Path localPath(String location, String role) {
        if (location.startsWith("file:")) return Path.of(URI.create(location));
        if (location.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException(role + " " + location + ": remote model URIs are not supported yet;"
                    + " copy the file to the same local path on every node");
        }
        return Path.of(location);
    }
}
