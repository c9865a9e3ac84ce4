package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp's vocabulary rules on small hand-made GGUFs, and the errors for files Loupe cannot use. */
class VocabularyTest {
    @TempDir
    Path dir;

    /** Single characters a..e, then the given tokens with their types. */
    private Path gguf(String name, List<String> extra, List<TokenType> extraTypes, Consumer<GgufWriter> more) {
        List<String> tokens = new ArrayList<>(List.of("a", "b", "c", "d", "e", "<", "/", ">", "s", "|"));
        List<Long> types = new ArrayList<>(tokens.stream().map(t -> 1L).toList());
        tokens.addAll(extra);
        extraTypes.forEach(t -> types.add((long) t.id));
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.ofString("llama"))
                .put("tokenizer.ggml.model", GgufValue.ofString("gpt2"))
                .put("tokenizer.ggml.pre", GgufValue.ofString("smollm"))
                .put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufValueType.STRING, tokens))
                .put("tokenizer.ggml.token_type", GgufValue.ofArray(GgufValueType.INT32, types))
                .put("tokenizer.ggml.merges", GgufValue.ofArray(GgufValueType.STRING, List.of("a b")));
        more.accept(w);
        Path p = dir.resolve(name + ".gguf");
        w.write(p);
        return p;
    }

    private static Vocabulary vocab(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            return Vocabulary.load(f);
        }
    }

    @Test
    void eogFollowsLlamaCppsTextRulesAndMakesThoseTokensControl() {
        Path p = gguf("eog", List.of("</s>", "<|fim_pad|>", "<|im_end|>", "<|im_start|>"),
                List.of(TokenType.NORMAL, TokenType.CONTROL, TokenType.USER_DEFINED, TokenType.CONTROL),
                w -> w.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(12)));
        Vocabulary v = vocab(p);
        // </s> (plain text in the file), the FIM pad token, <|im_end|>, and EOS = <|im_end|>.
        assertArrayEquals(new int[] {10, 11, 12}, v.eogIds());
        assertTrue(v.isControl(10), "an EOG token that was NORMAL becomes CONTROL");
        assertTrue(v.isControl(12) && v.isUserDefined(12), "CONTROL is added, USER_DEFINED stays");
        assertFalse(v.isEog(13));
        assertEquals(12, v.eot(), "EOT found by text, EOS preferred among candidates");

        BpeTokenizer t = BpeTokenizer.of(v);
        // Control-made tokens are split out only with parse_special.
        assertArrayEquals(new int[] {10}, t.encode("</s>", false, true));
        assertArrayEquals(new int[] {5, 6, 8, 7}, t.encode("</s>", false, false));
        assertArrayEquals(new int[] {12}, t.encode("<|im_end|>", false, true));
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParseSpecial() {
        Path p = gguf("user", List.of("<box>", "<|x|>"), List.of(TokenType.USER_DEFINED, TokenType.CONTROL), w -> {});
        BpeTokenizer t = BpeTokenizer.of(vocab(p));
        assertArrayEquals(new int[] {0, 10, 1}, t.encode("a<box>b", false, false));
        assertArrayEquals(new int[] {5, 9, 9, 7}, t.encode("<||>", false, false));
        assertEquals(11, t.encode("<|x|>", false, true)[0]);
    }

    @Test
    void bpeDefaultsForMissingIdsAreLlamaCpps() {
        // With no eos key llama.cpp keeps its gpt2 default id 11 (when the vocabulary has one), and it ends generation.
        Vocabulary v = vocab(gguf("defaults", List.of("x", "y"), List.of(TokenType.NORMAL, TokenType.NORMAL), w -> {}));
        assertEquals(11, v.bos());
        assertEquals(11, v.eos());
        assertArrayEquals(new int[] {11}, v.eogIds());
        assertFalse(v.addBos());
        Vocabulary small = vocab(gguf("small", List.of(), List.of(), w -> {}));
        assertEquals(Vocabulary.NONE, small.eos());
        assertEquals(0, small.eogIds().length);
    }

    @Test
    void addBosAddsItOnlyWithAddSpecial() {
        Vocabulary v = vocab(gguf("bos", List.of("<s>"), List.of(TokenType.CONTROL), w -> w
                .put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(10))
                .put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true))));
        BpeTokenizer t = BpeTokenizer.of(v);
        assertArrayEquals(new int[] {10, 0}, t.encode("a", true, false));
        assertArrayEquals(new int[] {0}, t.encode("a", false, false));
        assertArrayEquals(new int[] {10}, t.encode("", true, false));
    }

    @Test
    void mergesAreAppliedAndUnknownBytesFallBack() {
        Vocabulary v = vocab(gguf("merge", List.of("ab"), List.of(TokenType.NORMAL), w -> {}));
        BpeTokenizer t = BpeTokenizer.of(v);
        assertArrayEquals(new int[] {10, 2}, t.encode("abc", false, false));
        // "z" has no token: llama.cpp drops bytes that have neither a token nor a one-byte fallback.
        assertArrayEquals(new int[] {10}, t.encode("zab", false, false));
    }

    @Test
    void refusesOtherTokenizerModelsNamingTheFile() {
        Path p = gguf("spm", List.of(), List.of(), w -> w.put("tokenizer.ggml.model", GgufValue.ofString("llama")));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> vocab(p));
        assertTrue(e.getMessage().contains("spm.gguf") && e.getMessage().contains("tokenizer.ggml.model") && e.getMessage().contains("\"llama\""), e.getMessage());
    }

    @Test
    void refusesDuplicateTokensNamingBothIds() {
        Path p = gguf("dup", List.of("a"), List.of(TokenType.NORMAL), w -> {});
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> vocab(p));
        assertTrue(e.getMessage().contains("\"a\"") && e.getMessage().contains("ids 0 and 10"), e.getMessage());
    }

    @Test
    void refusesAFileWithoutMerges() {
        Path p = gguf("nomerges", List.of(), List.of(), w -> {});
        GgufWriter w = new GgufWriter();
        try (GgufFile f = GgufFile.open(p)) {
            f.metadata().asMap().forEach((k, val) -> {
                if (!k.equals("tokenizer.ggml.merges")) w.put(k, val);
            });
        }
        Path q = dir.resolve("stripped.gguf");
        w.write(q);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> vocab(q));
        assertTrue(e.getMessage().contains("tokenizer.ggml.merges"), e.getMessage());
    }

    @Test
    void refusesUnknownPreTokenizersNamingTheValue() {
        Path p = gguf("pre", List.of(), List.of(), w -> w.put("tokenizer.ggml.pre", GgufValue.ofString("llama-bpe")));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> BpeTokenizer.of(vocab(p)));
        assertTrue(e.getMessage().contains("pre.gguf") && e.getMessage().contains("\"llama-bpe\""), e.getMessage());
    }

    @Test
    void requireNamesTheMissingToken() {
        Vocabulary v = vocab(gguf("req", List.of(), List.of(), w -> {}));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> v.require("<image>"));
        assertTrue(e.getMessage().contains("\"<image>\"") && e.getMessage().contains("req.gguf"), e.getMessage());
    }
}
