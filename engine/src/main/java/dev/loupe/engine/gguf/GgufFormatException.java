package dev.loupe.engine.gguf;

import java.nio.file.Path;

/** A GGUF file that cannot be used, with the file and the reason in the message. */
public class GgufFormatException extends RuntimeException {
    private final transient Path file;

    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public GgufFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
