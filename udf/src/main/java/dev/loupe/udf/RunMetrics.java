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
 * @param annotateSeconds      each row's wall seconds from start to end, summed over rows: rows in flight together
 *                             (on the batch scheduler, on several cores) overlap, so this exceeds the run's wall time
 * @param stages               the engine's time by stage, summed over the rows, and their image positions
 * @param modelLoadsByExecutor model loads per executor id (see {@link ModelLoadsAccumulator})
 */
public record RunMetrics(long images, long errors, long promptTokens, long generatedTokens, double annotateSeconds,
                         Stages stages, Map<String, Integer> modelLoadsByExecutor) {

    /**
     * @param imageTokens    prompt positions taken by image embeddings
     * @param encodeSeconds  image decoding, preprocessing, vision encoder and projector
     * @param prefillSeconds prompts through the text model
     * @param decodeSeconds  decode steps (batched steps shared out among their rows)
     */
    public record Stages(long imageTokens, double encodeSeconds, double prefillSeconds, double decodeSeconds) {}

    public RunMetrics {
        modelLoadsByExecutor = Collections.unmodifiableMap(new TreeMap<>(modelLoadsByExecutor)); // by executor id, for printing
    }
}
