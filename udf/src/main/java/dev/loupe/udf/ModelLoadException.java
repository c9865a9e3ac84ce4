package dev.loupe.udf;

/** A model that could not be loaded; every caller waiting for that load receives one. */
public final class ModelLoadException extends RuntimeException {
    private final ModelKey key;

    ModelLoadException(ModelKey key, Throwable cause) {
        super("cannot load the model: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()), cause);
        this.key = key;
    }

    ModelLoadException(ModelKey key, String problem, Throwable cause) {
        super(problem + " (" + key + ")", cause);
        this.key = key;
    }

    public ModelKey key() {
        return key;
    }
}
