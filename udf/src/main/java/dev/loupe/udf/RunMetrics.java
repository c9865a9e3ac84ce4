package dev.loupe.udf;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the tasks of one run did, read from {@link LoupeMetrics} on the driver once the run is over.
 *
 * @param images               rows annotated (errors included)
 * @param errors               rows that got an {@code error}
 * @param promptTokens         prompt positions prefilled, image embeddings included
 * @param generatedTokens      tokens generated
 * @param annotateSeconds      seconds spent in the engine over all rows (decode, encode,
 *                             prefill and generation together: the engine reports no split yet)
 * @param modelLoadsByExecutor model loads per executor id (see {@link ModelLoadsAccumulator})
 */
public record RunMetrics(long images, long errors, long promptTokens, long generatedTokens, double annotateSeconds,
                         Map<String, Integer> modelLoadsByExecutor) {

    public RunMetrics {
        modelLoadsByExecutor = Collections.unmodifiableMap(new TreeMap<>(modelLoadsByExecutor)); // by executor id, for printing
    }
}
