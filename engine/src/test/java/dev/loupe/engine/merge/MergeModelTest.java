package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.cli.LoupeCli;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import dev.loupe.engine.tensor.GgmlType;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code loupe merge} end to end on the tiny pair ({@link TinyMergePair}): the text model differs
 * from the vision model by a rank-2 delta on every weight matrix, which the knee keeps whole, so
 * the merged model is the vision model again — and must compute llama.cpp's logits for it.
 */
class MergeModelTest {
    static final Path QWEN3VL = TinyMergePair.resources().resolve("oracle/qwen3vl");
    @TempDir static Path dir;
    static Path text;

    @BeforeAll
    static void textModel() {
        text = TinyMergePair.writeTextModel(dir.resolve("tiny-qwen3.gguf"));
    }

    static String merge(String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CommandLine cl = LoupeCli.commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        String[] args = new String[4 + extra.length];
        args[0] = "merge"; args[1] = "--vision=" + TinyMergePair.VISION; args[2] = "--text=" + text; args[3] = "--threads=2";
        System.arraycopy(extra, 0, args, 4, extra.length);
        int exit = cl.execute(args);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void mergedModelIsTheVisionModelAgainAndComputesItsLogits() throws Exception {
        Path merged = dir.resolve("merged-same.gguf"), report = dir.resolve("report.json");
        String console = merge("--out=" + merged, "--type=same", "--report=" + report);
        assertTrue(console.contains("[28/28") && console.contains("blk.3.ffn_down.weight"), console);

        JsonNode r = new ObjectMapper().readTree(report.toFile());
        // 4 layers x 7 matrices; kept: token_embd, output_norm and 4 x 4 norms.
        assertEquals(28, r.get("merged").asInt());
        assertEquals(18, r.get("kept").asInt());
        for (JsonNode t : r.get("tensors")) {
            String name = t.get("name").asText();
            if (name.equals("token_embd.weight")) {
                assertEquals("embedding or output tensor", t.get("reason").asText());
            } else if (name.endsWith("norm.weight")) {
                assertEquals("vector (norm or bias)", t.get("reason").asText(), name);
            } else {
                // attn_output is a layer's projection, not the output head: merged.
                assertEquals("merge", t.get("action").asText(), name);
                assertEquals(2, t.get("k").asInt(), name);
                assertEquals(1.0, t.get("energyKept").asDouble(), 1e-6, name);
                assertEquals("F16", t.get("type").asText(), name);
            }
        }

        try (GgufFile m = GgufFile.open(merged); GgufFile v = GgufFile.open(TinyMergePair.VISION)) {
            assertEquals(v.metadata().asMap(), m.metadata().asMap());
            assertEquals(v.tensors().keySet().stream().toList(), m.tensors().keySet().stream().toList());
            long differing = 0, values = 0;
            for (GgufTensor vt : v.tensors().values()) {
                GgufTensor mt = m.tensor(vt.name());
                assertEquals(vt.type(), mt.type());
                assertArrayEquals(vt.ne(), mt.ne());
                short[] a = vt.data().toArray(ValueLayout.JAVA_SHORT), b = mt.data().toArray(ValueLayout.JAVA_SHORT);
                if (vt.type() != GgmlType.F16) {
                    assertArrayEquals(a, b, vt.name()); // kept: copied byte for byte
                    continue;
                }
                for (int i = 0; i < a.length; i++) {
                    float fa = Float.float16ToFloat(a[i]), fb = Float.float16ToFloat(b[i]);
                    if (fa == fb) continue; // -0 and +0 count as equal
                    differing++;
                    // Only where the vision value sits at fp16's rounding edge: one step off at most.
                    assertEquals(fa, fb, Math.ulp(Float.float16ToFloat((short) (a[i] & 0x7fff))) * 8192 + 1e-7f, vt.name() + " value " + i);
                }
                values += a.length;
            }
            // The rank-2 delta comes back to float32 precision, far inside fp16's rounding step: all but a
            // handful of values (1 of 6M when written) round back to the vision model's bits.
            assertTrue(differing <= 10, differing + " of " + values + " 16-bit words differ");

            JsonNode tc = new ObjectMapper().readTree(QWEN3VL.resolve("manifest-tokenizer-excerpt.json").toFile()).get("text_cases").get(0);
            int[] tokens = new ObjectMapper().convertValue(tc.get("tokens"), int[].class);
            TextDecoder d = TextDecoders.open(m, new ComputePool(2), Numerics.EXACT);
            float[] x = new float[tokens.length * d.embeddingLength()];
            d.embed(tokens, 0, tokens.length, x, 0);
            KvCache cache = d.newCache(64);
            float[] logits = d.forward(x, tokens.length, cache, false);
            Diff diff = Diff.of(logits, FloatFiles.read(QWEN3VL.resolve("text/text0.logits.bin")));
            // llama.cpp's logits for the vision model (Loupe is bit-exact with them on the vision file itself).
            assertTrue(diff.maxAbs() <= 1e-4, diff.toString());
            System.out.println("merged vs oracle logits: " + diff);
            // It generates: llama.cpp's first three greedy tokens for text0 on the vision model (oracle manifest).
            int[] greedy = new int[3];
            for (int step = 0; step < 3; step++) {
                greedy[step] = argmax(logits);
                float[] e = new float[d.embeddingLength()];
                d.embed(new int[] {greedy[step]}, 0, 1, e, 0);
                logits = d.forward(e, 1, cache, false);
            }
            assertArrayEquals(new int[] {17178, 144606, 2530}, greedy);
        }
    }

    /** The text model really is different: its weights are not the vision model's (else the test above proves nothing). */
    @Test
    void textModelDiffersFromTheVisionModel() {
        try (GgufFile t = GgufFile.open(text); GgufFile v = GgufFile.open(TinyMergePair.VISION)) {
            assertEquals("qwen3", t.metadata().string("general.architecture"));
            GgufTensor tq = t.tensor("blk.0.attn_q.weight"), vq = v.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.F32, tq.type());
            float[] a = TensorMerger.floats(tq, 0, (int) tq.rows(), (int) tq.cols()), b = TensorMerger.floats(vq, 0, (int) vq.rows(), (int) vq.cols());
            double diff = 0, norm = 0;
            for (int i = 0; i < a.length; i++) { diff += (a[i] - b[i]) * (a[i] - b[i]); norm += b[i] * b[i]; }
            // ‖Δ‖ = √(9 + 1)·‖W‖/10 ≈ 0.32‖W‖
            assertEquals(Math.sqrt(10) / 10, Math.sqrt(diff / norm), 0.01);
        }
    }

    /** Q8_0 output: the merged matrices are quantized (ggml's reference quantizer), the rest copied; file_type says MOSTLY_Q8_0. */
    @Test
    void q8_0OutputQuantizesOnlyTheMergedTensors() {
        Path merged = dir.resolve("merged-q8.gguf");
        merge("--out=" + merged, "--type=Q8_0");
        try (GgufFile m = GgufFile.open(merged); GgufFile v = GgufFile.open(TinyMergePair.VISION)) {
            assertEquals(7, m.metadata().integer("general.file_type"));
            assertEquals(GgmlType.Q8_0, m.tensor("blk.2.ffn_up.weight").type());
            assertEquals(GgmlType.F32, m.tensor("blk.2.ffn_norm.weight").type());
            assertEquals(v.tensor("token_embd.weight").type(), m.tensor("token_embd.weight").type());
            for (Map.Entry<String, GgufTensor> e : Map.of("token_embd.weight", v.tensor("token_embd.weight")).entrySet()) {
                assertArrayEquals(e.getValue().data().toArray(ValueLayout.JAVA_BYTE), m.tensor(e.getKey()).data().toArray(ValueLayout.JAVA_BYTE));
            }
            TextDecoder d = TextDecoders.open(m, new ComputePool(2), Numerics.EXACT);
            assertNotEquals(0, d.vocabularySize());
        }
    }

    /** A pair where nothing merges (the vision model against its own mmproj) fails at once, naming the file. */
    @Test
    void filesThatDoNotPairAreRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = LoupeCli.commandLine();
        cl.setOut(new PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        Path mmproj = TinyMergePair.VISION.resolveSibling("qwen3vl-mmproj-f16.gguf");
        assertEquals(1, cl.execute("merge", "--vision=" + TinyMergePair.VISION, "--text=" + mmproj, "--out=" + dir.resolve("none.gguf")));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("qwen3vl-mmproj-f16.gguf") && e.contains("no tensor of it pairs"), e);
        assertTrue(java.nio.file.Files.notExists(dir.resolve("none.gguf")));
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
