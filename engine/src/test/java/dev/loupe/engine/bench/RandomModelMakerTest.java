package dev.loupe.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.bench.RandomModelLayout.TextShape;
import dev.loupe.engine.bench.RandomModelLayout.VisionShape;
import dev.loupe.engine.gguf.GgufArray;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.gguf.GgufWriter.PlannedTensor;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.merge.TensorPairing;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ModelOptions;
import dev.loupe.engine.vlm.SmolVlmModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** make-model writes each family as llama.cpp's converter does, at the published shapes. */
class RandomModelMakerTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle");

    /** The oracle's tiny model of each shape's family: same converter, smaller widths and depths. */
    private static String family(ModelShape shape) {
        return switch (shape) {
            case SMOLVLM_256M -> "smolvlm";
            case QWEN3VL_4B -> "qwen3vl";
            case YOUTUVL_4B -> "youtuvl";
            case QWEN3_4B -> throw new IllegalArgumentException("qwen3 has no converter layout of its own: qwen3-4b's test below");
        };
    }

    @ParameterizedTest
    @EnumSource(value = ModelShape.class, names = "QWEN3_4B", mode = EnumSource.Mode.EXCLUDE)
    void eachShapeHasItsFamilysTensorsAndKeys(ModelShape shape) throws Exception {
        JsonNode oracle = new ObjectMapper().readTree(ORACLE.resolve("converter-layouts.json").toFile())
                .path("families").path(family(shape));
        RandomModelMaker maker = new RandomModelMaker(shape, GgmlType.Q8_0, GgmlType.F16, 1);
        for (var part : Map.of("text", maker.textModel(), "mmproj", maker.visionModel()).entrySet()) {
            GgufWriter made = part.getValue();
            JsonNode expected = oracle.path(part.getKey());
            assertEquals(ranksByPattern(expected.path("tensors")), ranksByPattern(made.plannedTensors()),
                    shape + " " + part.getKey() + ": tensor names (layer numbers as N) and ranks");
            for (JsonNode key : expected.path("keys")) {
                assertTrue(made.metadata().containsKey(key.asText()), shape + " " + part.getKey() + " lacks key " + key.asText());
            }
        }
    }

    @Test
    void qwen3vl4bHasThePublishedShapes() {
        RandomModelMaker maker = new RandomModelMaker(ModelShape.QWEN3VL_4B, GgmlType.Q8_0, GgmlType.F16, 1);
        Map<String, PlannedTensor> text = byName(maker.textModel());
        assertEquals(List.of(2560L, 151936L), text.get("token_embd.weight").ne());
        assertEquals(List.of(2560L, 4096L), text.get("blk.35.attn_q.weight").ne());
        assertEquals(List.of(9728L, 2560L), text.get("blk.35.ffn_down.weight").ne());
        assertFalse(text.containsKey("output.weight"), "Qwen3-VL-4B ties its output to token_embd");
        // llama-bench reports this file as "qwen3vl 4B Q8_0, 4.02 B params".
        assertEquals(4.02e9, parameters(text.values()), 0.005e9);
        Map<String, PlannedTensor> vision = byName(maker.visionModel());
        assertEquals(List.of(1024L, 2304L), vision.get("v.position_embd.weight").ne());
        assertEquals(List.of(4096L, 4096L), vision.get("mm.0.weight").ne());
        assertEquals(List.of(4096L, 2560L), vision.get("v.deepstack.17.fc2.weight").ne());
        assertEquals(GgmlType.F16, vision.get("v.patch_embd.weight.1").type());
    }

    /**
     * The text side of a merge with qwen3vl-4b: the converter's qwen3vl text tensors (llama.cpp
     * names qwen3 and qwen3vl text tensors alike) at the same shapes, so every one pairs; the
     * qwen3vl keys under the qwen3 prefix less the M-RoPE sections and DeepStack count; no mmproj.
     */
    @Test
    void qwen34bIsQwen3VlTextModelUnderTheQwen3Arch() throws Exception {
        RandomModelMaker maker = new RandomModelMaker(ModelShape.QWEN3_4B, GgmlType.F16, GgmlType.F16, 2);
        assertFalse(maker.writesMmproj());
        GgufWriter made = maker.textModel();
        JsonNode oracle = new ObjectMapper().readTree(ORACLE.resolve("converter-layouts.json").toFile()).path("families").path("qwen3vl").path("text");
        assertEquals(ranksByPattern(oracle.path("tensors")), ranksByPattern(made.plannedTensors()));
        int keys = 0;
        for (JsonNode key : oracle.path("keys")) {
            String k = key.asText();
            if (k.endsWith("rope.dimension_sections") || k.endsWith("n_deepstack_layers")) {
                assertFalse(made.metadata().containsKey(k.replace("qwen3vl.", "qwen3.")), k + ": Qwen3-VL only");
            } else {
                assertTrue(made.metadata().containsKey(k.replace("qwen3vl.", "qwen3.")), "qwen3-4b lacks key " + k);
                keys++;
            }
        }
        assertTrue(keys > 10, keys + " keys compared");
        assertEquals("qwen3", made.metadata().get("general.architecture").value());

        Map<String, PlannedTensor> text = byName(made);
        Map<String, PlannedTensor> vl = byName(new RandomModelMaker(ModelShape.QWEN3VL_4B, GgmlType.F16, GgmlType.F16, 1).textModel());
        assertEquals(vl.keySet(), text.keySet());
        for (var e : vl.entrySet()) assertEquals(e.getValue().ne(), text.get(e.getKey()).ne(), e.getKey());
        assertEquals(List.of(9728L, 2560L), text.get("blk.35.ffn_down.weight").ne());
        // Qwen3-4B: 4.02 B parameters, tied embeddings.
        assertEquals(4.02e9, parameters(text.values()), 0.005e9);
    }

    /** A text-only shape writes OUT alone, and a small one pairs with a Qwen3-VL of its widths: every matrix merges. */
    @Test
    void aSmallQwen3WritesNoMmprojAndPairsWithQwen3Vl(@TempDir Path dir) throws Exception {
        TextShape shape = new TextShape("qwen3", 64, 2, 4, 2, 128, 151936, 1e6f, 1e-6f, 512);
        Path text = dir.resolve("qwen3.gguf"), vision = dir.resolve("qwen3vl.gguf");
        new RandomModelMaker(ModelShape.QWEN3_4B, new Qwen3Layout(shape, 16), GgmlType.F16, GgmlType.F16, 2)
                .write(text, RandomModelMaker.mmprojPathFor(text));
        assertFalse(Files.exists(RandomModelMaker.mmprojPathFor(text)), "no mmproj for a text model");
        TextShape vlShape = new TextShape("qwen3vl", 64, 2, 4, 2, 128, 151936, 5e6f, 1e-6f, 512);
        new RandomModelMaker(ModelShape.QWEN3VL_4B, new Qwen3VlLayout(vlShape, new VisionShape("qwen3vl_merger", 64, 16, 64, 2, 2, 128, 1e-6f),
                16, List.of(2, 3, 3, 0), List.of(1), 2), GgmlType.F16, GgmlType.F16, 1).textModel().write(vision);
        try (GgufFile v = GgufFile.open(vision); GgufFile t = GgufFile.open(text)) {
            TensorPairing pairing = TensorPairing.of(v, t);
            assertEquals(2 * 7, pairing.merged().size(), "q, k, v, output, gate, up, down per layer");
            assertEquals(List.of(), pairing.unused());
        }
    }

    @Test
    void youtuvl4bHasThePublishedShapes() {
        RandomModelMaker maker = new RandomModelMaker(ModelShape.YOUTUVL_4B, GgmlType.Q8_0, GgmlType.Q8_0, 1);
        Map<String, PlannedTensor> text = byName(maker.textModel());
        assertEquals(List.of(2560L, 283386L), text.get("token_embd.weight").ne());
        assertEquals(List.of(1536L, 6144L), text.get("blk.39.attn_q_b.weight").ne());
        assertEquals(List.of(128L, 512L, 32L), text.get("blk.39.attn_k_b.weight").ne());
        assertEquals(List.of(512L, 128L, 32L), text.get("blk.39.attn_v_b.weight").ne());
        assertEquals(List.of(4096L, 2560L), text.get("blk.39.attn_output.weight").ne());
        // llama-bench reports this file as "deepseek2 Q8_0, 4.90 B params".
        assertEquals(4.90e9, parameters(text.values()), 0.005e9);
        Map<String, PlannedTensor> vision = byName(maker.visionModel());
        assertEquals(List.of(4608L, 4608L), vision.get("mm.0.weight").ne());
        // SigLIP-so400m's 4304-wide rows are not whole Q8_0 blocks: the converter keeps them F16.
        assertEquals(GgmlType.F16, vision.get("v.blk.26.ffn_down.weight").type());
        assertEquals(GgmlType.Q8_0, vision.get("v.blk.26.ffn_up.weight").type());
        assertEquals(GgmlType.F32, vision.get("v.patch_embd.weight").type());
    }

    @Test
    void specialTokensSitAtTheirRealIds() {
        List<Object> qwen = tokens(new RandomModelMaker(ModelShape.QWEN3VL_4B, GgmlType.Q8_0, GgmlType.F16, 1).textModel());
        assertEquals("<|im_end|>", qwen.get(151645));
        assertEquals("<|vision_start|>", qwen.get(151652));
        assertEquals("<|image_pad|>", qwen.get(151655));
        assertEquals("</think>", qwen.get(151668));
        List<Object> youtu = tokens(new RandomModelMaker(ModelShape.YOUTUVL_4B, GgmlType.Q8_0, GgmlType.F16, 1).textModel());
        assertEquals("<|begin_of_text|>", youtu.get(128000));
        assertEquals("<|image_pad|>", youtu.get(128264));
        assertEquals("<x_0>", youtu.get(278267));
        assertEquals("<y_2047>", youtu.get(282362));
    }

    @Test
    void aSmallSmolVlmLayoutRunsInLoupeWithTheStatedWeightScale(@TempDir Path dir) throws Exception {
        SmolVlmLayout tiny = new SmolVlmLayout(new TextShape("llama", 64, 2, 4, 2, 128, 600, 1e5f, 1e-5f, 512),
                new VisionShape("idefics3", 64, 16, 64, 2, 2, 128, 1e-6f), 2, 128);
        Path text = dir.resolve("tiny.gguf");
        Path mmproj = RandomModelMaker.mmprojPathFor(text);
        new RandomModelMaker(ModelShape.SMOLVLM_256M, tiny, GgmlType.Q8_0, GgmlType.F16, 7).write(text, mmproj);
        assertEquals(dir.resolve("tiny-mmproj.gguf"), mmproj);

        try (GgufFile file = GgufFile.open(text)) {
            GgufTensor down = file.tensor("blk.1.ffn_down.weight");
            assertEquals(GgmlType.Q8_0, down.type());
            float[] row = new float[128];
            double sumSquares = 0;
            for (int r = 0; r < 64; r++) {
                Kernels.forType(GgmlType.Q8_0, down.name()).dequantizeRow(down.data(), 128, r, row, 0);
                for (float v : row) sumSquares += v * v;
            }
            // N(0, 1/fan_in) with fan_in 128: the mean square is 1/128 within sampling error (8192 values).
            assertEquals(1.0 / 128, sumSquares / (64 * 128), 0.05 / 128);
        }
        try (SmolVlmModel model = new SmolVlmModel(GgufFile.open(text), GgufFile.open(mmproj),
                new ModelOptions(new ComputePool(1), 0, Numerics.EXACT))) {
            Annotation a = model.annotate(Files.readAllBytes(ORACLE.resolve("images/chelsea.png")), Task.VQA, "Describe.",
                    GenerationSettings.GREEDY.withMaxTokens(3));
            assertEquals(3, a.generatedTokens(), "random weights never pick the end token within 3 steps");
            assertTrue(a.stages().imagePositions() > 0);
        }
    }

    private static Map<String, Integer> ranksByPattern(JsonNode tensors) {
        Map<String, Integer> m = new TreeMap<>();
        for (JsonNode t : tensors) m.put(pattern(t.get(0).asText()), t.get(2).size());
        return m;
    }

    private static Map<String, Integer> ranksByPattern(List<PlannedTensor> tensors) {
        Map<String, Integer> m = new TreeMap<>();
        for (PlannedTensor t : tensors) m.put(pattern(t.name()), t.ne().size());
        return m;
    }

    /** "v.blk.11.ln1.weight" and "v.deepstack.5.fc1.weight" as "v.blk.N.ln1.weight", "v.deepstack.N.fc1.weight". */
    private static String pattern(String name) {
        return name.replaceAll("(?<=\\.)\\d+(?=\\.)", "N");
    }

    private static Map<String, PlannedTensor> byName(GgufWriter w) {
        Map<String, PlannedTensor> m = new TreeMap<>();
        for (PlannedTensor t : w.plannedTensors()) m.put(t.name(), t);
        return m;
    }

    private static double parameters(Iterable<PlannedTensor> tensors) {
        double n = 0;
        for (PlannedTensor t : tensors) n += t.ne().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
        return n;
    }

    private static List<Object> tokens(GgufWriter w) {
        return ((GgufArray) w.metadata().get("tokenizer.ggml.tokens").value()).elements();
    }
}
