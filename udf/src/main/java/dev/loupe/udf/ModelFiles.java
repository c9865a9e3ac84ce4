package dev.loupe.udf;

import java.nio.file.Path;

/**
 * A model file as a local path, wherever it is: a local path or {@code file:} URI as it is, a
 * remote URI ({@code hdfs://}, {@code s3a://}, ...) as this node's cached copy (made once per node,
 * see {@link RemoteModelCopies}). For jobs other than annotate that map GGUF files (merge).
 */
public final class ModelFiles {
    private ModelFiles() {}

    public static Path local(String location) {
        return ModelLocations.isRemote(location) ? RemoteModelCopies.forThisJvm().localCopy(location) : ModelLocations.localPath(location);
    }

    public static boolean isRemote(String location) {
        return ModelLocations.isRemote(location);
    }
}
