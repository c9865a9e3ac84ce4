package dev.loupe.udf;

import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a model file is: a local path or {@code file:} URI, mapped in place on every node (it
 * must exist at that path on each of them), or a remote URI ({@code hdfs://}, {@code s3a://},
 * any Hadoop file system) that executors copy to a local cache first.
 */
final class ModelLocations {
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    private ModelLocations() {}

    static boolean isRemote(String location) {
        return SCHEME.matcher(location).matches() && !location.startsWith("file:");
    }

    /** The local file of a local location; see {@link #isRemote}. */
    static Path localPath(String location) {
        if (isRemote(location)) throw new IllegalStateException(location + " is remote: copy it first (RemoteModelCopies)");
        return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
    }

    /** The file's name, the last segment of a path or URI. */
    static String fileName(String location) {
        String l = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        return l.substring(l.lastIndexOf('/') + 1);
    }
}
