package dev.loupe.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    static final Path TEXT_F16 = Path.of("src/test/resources/oracle/smolvlm/models/smolvlm-text-f16.gguf");
    static final Path MMPROJ = Path.of("src/test/resources/oracle/smolvlm/models/smolvlm-mmproj-f16.gguf");

    @TempDir
    Path tmp;

    @Test
    void readsOracleTextModel() {
        try (GgufFile f = GgufFile.open(TEXT_F16)) {
            assertEquals(3, f.version());
            assertEquals("llama", f.metadata().string("general.architecture"));
            assertEquals(256, f.metadata().int32("llama.embedding_length"));
            assertEquals(3013, f.metadata().strings("tokenizer.ggml.tokens").size());
            GgufTensor emb = f.tensor("token_embd.weight");
            assertEquals(GgmlType.F16, emb.type());
            assertArrayEquals(new long[] {256, 3013}, emb.ne());
            assertEquals(256L * 3013 * 2, emb.data().byteSize());
            assertEquals(0, emb.fileOffset() % f.alignment());
            assertEquals(1e-5f, f.metadata().float32("llama.attention.layer_norm_rms_epsilon"), 1e-12);
        }
    }

    @Test
    void readsMmprojArraysAndBools() {
        try (GgufFile f = GgufFile.open(MMPROJ)) {
            assertEquals("idefics3", f.metadata().string("clip.projector_type"));
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, f.metadata().floats("clip.vision.image_mean"));
            assertTrue(f.metadata().bool("clip.has_vision_encoder", false));
        }
    }

    /** Every tensor table entry of the oracle manifest is found with the same type and shape. */
    @Test
    void tensorTableMatchesManifest() throws IOException {
        var manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of("src/test/resources/oracle/smolvlm/manifest.json").toFile());
        for (String key : List.of("text_f16", "text_q8_0", "mmproj_f16", "mmproj_q8_0")) {
            var model = manifest.get("models").get(key);
            try (GgufFile f = GgufFile.open(Path.of("src/test/resources/oracle/smolvlm").resolve(model.get("file").asText()))) {
                assertEquals(model.get("tensors").size(), f.tensors().size(), key);
                for (var t : model.get("tensors")) {
                    GgufTensor tensor = f.tensor(t.get(0).asText());
                    assertEquals(t.get(1).asText(), tensor.type().name(), tensor.name());
                    long[] ne = new long[t.get(2).size()];
                    for (int i = 0; i < ne.length; i++) ne[i] = t.get(2).get(i).asLong();
                    assertArrayEquals(ne, tensor.ne(), tensor.name());
                }
            }
        }
    }

    @Test
    void writerRoundTripsEveryValueTypeAndNestedArrays() {
        Path out = tmp.resolve("rt.gguf");
        GgufWriter w = new GgufWriter()
                .put("u8", new GgufValue(GgufValueType.UINT8, 255L))
                .put("i8", new GgufValue(GgufValueType.INT8, -128L))
                .put("u16", new GgufValue(GgufValueType.UINT16, 65535L))
                .put("i16", new GgufValue(GgufValueType.INT16, -32768L))
                .put("u32", GgufValue.ofUInt32(4_000_000_000L))
                .put("i32", GgufValue.ofInt32(-5))
                .put("u64", GgufValue.ofUInt64(1L << 40))
                .put("i64", new GgufValue(GgufValueType.INT64, -(1L << 40)))
                .put("f32", GgufValue.ofFloat32(1.5f))
                .put("f64", new GgufValue(GgufValueType.FLOAT64, Math.PI))
                .put("bool", GgufValue.ofBool(true))
                .put("str", GgufValue.ofString("héllo ✓"))
                .put("nested", GgufValue.ofArray(GgufValueType.ARRAY, List.of(
                        new GgufArray(GgufValueType.INT32, List.of(1L, 2L)),
                        new GgufArray(GgufValueType.STRING, List.of("a", "bc")))))
                .put("general.alignment", GgufValue.ofUInt32(64));
        float[] values = {1f, -2f, 3.25f, 0f, 5f, 6f};
        w.addTensor("t", new long[] {3, 2}, values);
        w.addTensor("u", new long[] {1}, new float[] {42f});
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            Map<String, GgufValue> m = f.metadata().asMap();
            assertEquals(255L, m.get("u8").value());
            assertEquals(-128L, m.get("i8").value());
            assertEquals(4_000_000_000L, f.metadata().integer("u32"));
            assertEquals(-(1L << 40), f.metadata().integer("i64"));
            assertEquals(Math.PI, (Double) m.get("f64").value());
            assertEquals("héllo ✓", f.metadata().string("str"));
            GgufArray nested = f.metadata().array("nested");
            assertEquals(List.of(1L, 2L), ((GgufArray) nested.elements().get(0)).elements());
            assertEquals(List.of("a", "bc"), ((GgufArray) nested.elements().get(1)).elements());
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            GgufTensor t = f.tensor("t");
            assertArrayEquals(values, t.data().toArray(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN)));
            assertEquals(0, f.tensor("u").fileOffset() % 64);
        }
    }

    @Test
    void readsVersion2() throws IOException {
        Path v3 = tmp.resolve("v3.gguf");
        new GgufWriter().put("k", GgufValue.ofString("v")).write(v3);
        byte[] b = Files.readAllBytes(v3);
        b[4] = 2;
        Path v2 = tmp.resolve("v2.gguf");
        Files.write(v2, b);
        try (GgufFile f = GgufFile.open(v2)) {
            assertEquals(2, f.version());
            assertEquals("v", f.metadata().string("k"));
        }
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        Path p = tmp.resolve("notgguf.bin");
        Files.writeString(p, "this is not a model at all");
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("notgguf.bin") && e.getMessage().contains("not a GGUF file"), e.getMessage());
    }

    @Test
    void unsupportedVersion() throws IOException {
        Path p = tmp.resolve("v9.gguf");
        Files.write(p, ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(GgufFile.MAGIC).putInt(9).array());
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("unsupported GGUF version 9"), e.getMessage());
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] whole = Files.readAllBytes(TEXT_F16);
        Path p = tmp.resolve("cut.gguf");
        Files.write(p, Arrays.copyOf(whole, 5000));
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("cut.gguf") && e.getMessage().contains("truncated header"), e.getMessage());
    }

    @Test
    void tensorPastEndOfFile() throws IOException {
        byte[] whole = Files.readAllBytes(TEXT_F16);
        Path p = tmp.resolve("short.gguf");
        Files.write(p, Arrays.copyOf(whole, whole.length - 1000));
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("runs past the end of the file") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void unknownTensorType() throws IOException {
        Path p = tmp.resolve("odd.gguf");
        new GgufWriter().addTensor("w", new long[] {4}, new float[4]).write(p);
        byte[] b = Files.readAllBytes(p);
        // The tensor info ends with: u32 type, u64 offset; the type sits 12 bytes before the data alignment padding.
        int typePos = indexOf(b, "w".getBytes()) + 1 + 4 + 8;
        b[typePos] = 99;
        Files.write(p, b);
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("unknown ggml type 99") && e.getMessage().contains("tensor w"), e.getMessage());
    }

    @Test
    void missingRequiredKeyAndMissingFile() {
        try (GgufFile f = GgufFile.open(MMPROJ)) {
            var e = assertThrows(GgufFormatException.class, () -> f.metadata().string("llama.embedding_length"));
            assertTrue(e.getMessage().contains("missing required metadata key llama.embedding_length")
                    && e.getMessage().contains("smolvlm-mmproj-f16.gguf"), e.getMessage());
            var t = assertThrows(GgufFormatException.class, () -> f.tensor("nope.weight"));
            assertTrue(t.getMessage().contains("missing tensor nope.weight"), t.getMessage());
        }
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(tmp.resolve("absent.gguf")));
        assertTrue(e.getMessage().contains("absent.gguf") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void emptyFile() throws IOException {
        Path p = tmp.resolve("empty.gguf");
        Files.createFile(p);
        var e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 24; i < hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
