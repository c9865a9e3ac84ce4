package dev.loupe.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The youtuvl family's oracle cases. Its text model (deepseek2 with multi-head latent
 * attention) runs: tokenizer, F16 and quantized logits and greedy continuations. The image
 * cases wait for the youtuvl vision tower and are reported as skipped, by name.
 */
final class YoutuVlChecker implements OracleCheck.FamilyChecker {
    private final ComputePool pool;
    private final List<Numerics> numerics;

    YoutuVlChecker(ComputePool pool, List<Numerics> numerics) {
        this.pool = pool;
        this.numerics = numerics;
    }

    @Override
    public void run(Path dir, JsonNode manifest, Consumer<CaseResult> sink) {
        new TextCases("youtuvl", pool, numerics).run(dir, manifest, sink);
        for (String kind : List.of("image_cases", "quant_image_cases")) {
            for (JsonNode c : manifest.path(kind)) {
                sink.accept(CaseResult.skip("youtuvl/" + c.get("id").asText(), "the youtuvl vision tower is not implemented yet"));
            }
        }
    }
}
