package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.kernels.Numerics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code maxBatch=auto} (the default) on real models: rows go to the executor's batch scheduler
 * where the model's batched rows equal rows decoded alone, and one at a time where they might
 * not (exact numerics with K-quant weights); an explicit number is obeyed either way.
 */
class AutoBatchTest {
    static final Path MODELS = Path.of("..", "engine", "src", "test", "resources", "oracle", "smolvlm", "models").toAbsolutePath().normalize();
    static final Path MMPROJ = MODELS.resolve("smolvlm-mmproj-f16.gguf");

    @Test
    void autoBatchesWhereRowsReproduceAndKeepsOtherModelsOneAtATime() {
        AnnotatorSpec q8Exact = spec("smolvlm-text-q8_0.gguf", "exact", null);
        AnnotatorSpec q4kFast = spec("smolvlm-text-q4_k_m.gguf", "fast", null);
        AnnotatorSpec q4kExact = spec("smolvlm-text-q4_k_m.gguf", "exact", null);
        for (AnnotatorSpec s : new AnnotatorSpec[] {q8Exact, q4kFast, q4kExact}) annotateOne(s);

        assertTrue(SchedulerCache.running(q8Exact.key(), AnnotatorSpec.AUTO_BATCH), "Q8_0 with exact numerics batches reproducibly");
        assertTrue(SchedulerCache.running(q4kFast.key(), AnnotatorSpec.AUTO_BATCH), "fast numerics batch every type reproducibly");
        assertFalse(SchedulerCache.running(q4kExact.key(), AnnotatorSpec.AUTO_BATCH), "ggml's K-quant products depend on the batch");
    }

    @Test
    void aBatchGivenIsObeyedEvenWhereRowsMightDiffer() {
        AnnotatorSpec forced = spec("smolvlm-text-q4_k_m.gguf", "exact", "3");
        annotateOne(forced);
        assertTrue(SchedulerCache.running(forced.key(), 3));
    }

    /**
     * A classify row goes to the scheduler like any other (scored on its thread, within its KV
     * budget), and its row is the one scored on the task's own thread: best label, distribution, confidence.
     */
    @Test
    void aClassifyRowGoesToTheSchedulerAndIsTheRowScoredAlone() {
        AnnotatorSpec s = spec("smolvlm-text-q8_0.gguf", "fast", "5");
        RowRequest classify = new RowRequest("classify", null, null, List.of("a cat", "a dog", "a red square"), null, null);
        assertFalse(SchedulerCache.running(s.key(), 5));
        Row alone = new RowAnnotator(s).start("img-1", () -> TestImages.png(40, 30), classify, false).row();
        assertFalse(SchedulerCache.running(s.key(), 5), "unbatched: no scheduler");
        Row batched = new RowAnnotator(s).start("img-1", () -> TestImages.png(40, 30), classify, true).row();
        assertTrue(SchedulerCache.running(s.key(), 5), "the classify row went to the scheduler");
        assertNull(batched.getAs("error"), () -> "row error: " + batched.getAs("error"));
        assertEquals(3, batched.getList(batched.fieldIndex("labels")).size());
        assertEquals(TaskFunctionsSparkTest.withoutTimings(alone), TaskFunctionsSparkTest.withoutTimings(batched));
    }

    private static void annotateOne(AnnotatorSpec s) {
        Row row = new RowAnnotator(s).start("img-1", () -> TestImages.png(40, 30), RowRequest.of("caption", null), true).row();
        assertNull(row.getAs("error"), () -> "row error: " + row.getAs("error"));
    }

    private static AnnotatorSpec spec(String model, String numerics, String maxBatch) {
        Map<String, String> options = new java.util.HashMap<>(Map.of("model", MODELS.resolve(model).toString(), "mmproj", MMPROJ.toString(),
                "numerics", numerics, "maxTokens", "3"));
        if (maxBatch != null) options.put("maxBatch", maxBatch);
        return AnnotatorSpec.fromMap(options).withAbsolutePaths();
    }
}
