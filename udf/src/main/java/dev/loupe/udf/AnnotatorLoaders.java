package dev.loupe.udf;

import java.lang.reflect.InvocationTargetException;

/** Instantiates the {@link AnnotatorLoader} named in the configuration. */
final class AnnotatorLoaders {
    static final String DEFAULT = GgufAnnotatorLoader.class.getName();

    private AnnotatorLoaders() {}

    static AnnotatorLoader create(String className) {
        String name = className == null || className.isBlank() ? DEFAULT : className.trim();
        Class<?> type;
        try {
            // Executors load application classes through the task's context class loader
            // (the jars shipped with the job), not through the loader of Spark's own classes.
            ClassLoader cl = Thread.currentThread().getContextClassLoader();
            type = Class.forName(name, true, cl != null ? cl : AnnotatorLoaders.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("model loader class " + name + " (spark.loupe.loader) is not on the classpath", e);
        }
        if (!AnnotatorLoader.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("model loader class " + name + " (spark.loupe.loader) does not implement " + AnnotatorLoader.class.getName());
        }
        try {
            return (AnnotatorLoader) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
            throw new IllegalArgumentException("model loader class " + name + " (spark.loupe.loader) needs a public no-arg constructor", e);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("model loader class " + name + " failed to construct: " + e.getCause(), e.getCause());
        }
    }
}
