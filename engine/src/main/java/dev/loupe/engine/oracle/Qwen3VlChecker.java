package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The qwen3vl family's oracle cases. The text model runs (tokenizer, F16 and Q4_K_M logits and
 * greedy continuations); the qwen3vl_merger vision tower does not exist in Loupe yet, so the image
 * cases are reported as skipped, by name.
 */
final class Qwen3VlChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;
    private final List<Numerics> numerics;

    Qwen3VlChecker(ComputePool pool, List<Numerics> numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        new TextCases("qwen3vl", pool, numerics).run(dir, manifest, sink);
        for (String kind : List.of("image_cases", "quant_image_cases")) {
            for (JsonNode c : manifest.path(kind)) {
                sink.accept(CaseResult.skip("qwen3vl/" + c.get("id").asText(), "the qwen3vl_merger vision tower is not supported yet"));
            }
        }
    }
}
