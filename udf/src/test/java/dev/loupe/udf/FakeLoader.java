package dev.loupe.udf;

import dev.loupe.engine.vlm.ImageAnnotator;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link AnnotatorLoader} named by class in tests' Spark confs. It takes its time (so that
 * concurrent tasks really race for the first load) and keeps every annotator it made, by model
 * path, so tests can look at what the UDFs did. A model path containing "unloadable" fails.
 */
public final class FakeLoader implements AnnotatorLoader {
    static final Map<String, FakeAnnotator> MADE = new ConcurrentHashMap<>();

    @Override
    public ImageAnnotator load(Path model, Path mmproj, ModelKey key) {
        if (model.toString().contains("unloadable")) throw new IllegalStateException("fake load failure for " + model);
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        FakeAnnotator a = new FakeAnnotator();
        MADE.put(model.toString(), a);
        return a;
    }
}
