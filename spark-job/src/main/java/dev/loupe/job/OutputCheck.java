package dev.loupe.job;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Whether the job could write {@code --output} as its options say, for {@code --dry-run}: what
 * is there now, what {@code --mode} or {@code --resume} would do with it, and, for a local path,
 * whether this user may create it.
 */
final class OutputCheck {
    private OutputCheck() {}

    /** What the job would do with the output, in a sentence; a problem the job would stop on is thrown. */
    static String describe(AnnotateOptions o, Configuration hadoop) {
        return describe(o.output(), o.mode(), o.resume(), hadoop);
    }

    /** As {@link #describe(AnnotateOptions, Configuration)}, for any job's output directory (the eval job's too). */
    static String describe(String output, WriteMode mode, boolean resume, Configuration hadoop) {
        Path path = new Path(output);
        boolean exists;
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            exists = fs.exists(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("--output " + output + ": cannot look at it: " + e.getMessage(), e);
        }
        String doing;
        if (!exists) {
            doing = "does not exist: the job creates it";
        } else if (resume) {
            doing = "exists: --resume keeps its rows and appends the images it does not hold";
        } else if (mode == WriteMode.OVERWRITE) {
            doing = "exists: --mode overwrite replaces it";
        } else {
            throw new IllegalArgumentException("--output " + output + " already exists and --mode is error: the job would refuse it "
                    + "(pass --mode overwrite to replace it, --resume to add to it, or another --output)");
        }
        requireWritable(output, exists);
        return doing;
    }

    /** A local output's nearest existing directory (itself, or a parent the job would create it under) must be writable. */
    private static void requireWritable(String output, boolean exists) {
        if (output.contains("://") && !output.startsWith("file:")) return; // a cluster file system's permissions are its own
        java.nio.file.Path p = java.nio.file.Path.of(output.startsWith("file:") ? output.substring("file:".length()) : output)
                .toAbsolutePath();
        java.nio.file.Path existing = p;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            throw new IllegalArgumentException("--output " + output + ": " + (existing == null ? "no existing parent directory"
                    : existing + (Files.isDirectory(existing) ? " is not writable" : " is a file, not a directory"))
                    + (exists ? "" : " (where the job would create it)"));
        }
    }
}
