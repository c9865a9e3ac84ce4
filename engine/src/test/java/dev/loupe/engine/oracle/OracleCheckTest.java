package dev.loupe.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smolvlm oracle subset kept in test resources, end to end against llama.cpp: tokenizer,
 * text logits and greedy continuations (F16, Q8_0, Q4_0, Q4_K_M, Q6_K), and image cases from
 * file bytes to logits (F16 and Q8_0 mmproj), each with exact and with fast numerics.
 */
class OracleCheckTest {
    static List<CaseResult> results;

    @BeforeAll
    static void runOracle() {
        results = new OracleCheck(new ComputePool(2), List.of(Numerics.EXACT, Numerics.FAST)).run(Path.of("src/test/resources/oracle"), r -> System.out.println(r));
    }

    @Test
    void noCaseFails() {
        List<CaseResult> failed = results.stream().filter(r -> r.status() == CaseResult.Status.FAIL).toList();
        assertTrue(failed.isEmpty(), "failed: " + failed);
    }

    @Test
    void everySmolvlmCaseWithItsFilesRuns() {
        Map<String, CaseResult.Status> byName = results.stream().collect(Collectors.toMap(CaseResult::name, CaseResult::status));
        for (String name : List.of("smolvlm/tokenizer", "smolvlm/text0", "smolvlm/text1", "smolvlm/text2",
                "smolvlm/text0_flash_attn_disabled", "smolvlm/text0_q8_0", "smolvlm/text0_q4_0",
                "smolvlm/text0_q4_k_m", "smolvlm/text0_q6_k", "smolvlm/image0", "smolvlm/image1",
                "smolvlm/image2", "smolvlm/image3", "smolvlm/image4", "smolvlm/image5", "smolvlm/image0_mmproj_q8_0")) {
            assertEquals(CaseResult.Status.PASS, byName.get(name), name);
            if (!name.endsWith("tokenizer")) assertEquals(CaseResult.Status.PASS, byName.get(name + " [fast]"), name + " [fast]");
        }
    }

    /** A case whose model file is missing must say so rather than pass or fail. */
    @Test
    void absentModelsAreSkippedWithAReason(@TempDir Path dir) throws IOException {
        Path smolvlm = Files.createDirectories(dir.resolve("smolvlm"));
        Path src = Path.of("src/test/resources/oracle/smolvlm");
        Files.copy(src.resolve("manifest.json"), smolvlm.resolve("manifest.json"));
        Files.copy(src.resolve("tokenizer.json"), smolvlm.resolve("tokenizer.json"));
        List<CaseResult> partial = new OracleCheck(new ComputePool(1), List.of(Numerics.EXACT)).run(dir, r -> { });
        CaseResult q4 = partial.stream().filter(r -> r.name().equals("smolvlm/text0_q4_0")).findFirst().orElseThrow();
        assertEquals(CaseResult.Status.SKIP, q4.status());
        assertTrue(q4.detail().contains("absent"), q4.detail());
    }

    /**
     * Bit-identical, not merely within tolerance: ggml's summation orders, fp16 rounding points,
     * GELU table and expf are reproduced, so these logits equal llama.cpp's exactly.
     */
    @Test
    void reproducedCasesAreExact() {
        for (String name : List.of("smolvlm/text0", "smolvlm/text2", "smolvlm/text0_q8_0", "smolvlm/text0_q4_0", "smolvlm/text0_q4_k_m",
                "smolvlm/text0_q6_k", "smolvlm/image0", "smolvlm/image0_mmproj_q8_0")) {
            CaseResult r = results.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
            assertTrue(r.detail().contains("logits max|Δ| 0.00 "), name + ": " + r.detail());
        }
    }
}
