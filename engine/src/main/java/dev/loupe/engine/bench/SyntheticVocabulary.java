package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A byte-level BPE vocabulary at a real model's size with its special tokens at their real ids:
 * the 256 byte symbols (any text tokenizes), "ĠĠ"-style merges where asked, and numbered fillers
 * everywhere else. Random-weight models need no real merges, only the ids prompts and llama.cpp's
 * multimodal code look up (image markers, end of turn).
 */
final class SyntheticVocabulary {
    /** llama_token_type values as GGUF stores them. */
    static final int NORMAL = 1;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;

    private final String[] tokens;
    private final int[] types;
    private final List<String> merges = new ArrayList<>();
    private Integer unknownToken;

    SyntheticVocabulary(int size) {
        tokens = new String[size];
        types = new int[size];
        Arrays.fill(types, NORMAL);
    }

    /** The 256 byte symbols at ids {@code first .. first+255}. */
    SyntheticVocabulary bytesAt(int first) {
        for (int b = 0; b < 256; b++) set(first + b, String.valueOf(byteSymbol(b)), NORMAL);
        return this;
    }

    /** The token of two {@code c} bytes at {@code id}, with the merge that makes it. */
    SyntheticVocabulary pairMergeAt(int id, char c) {
        String s = String.valueOf(byteSymbol(c));
        set(id, s + s, NORMAL);
        merges.add(s + " " + s);
        return this;
    }

    SyntheticVocabulary set(int id, String token, int type) {
        if (tokens[id] != null) throw new IllegalStateException("token id " + id + " set twice: " + tokens[id] + ", " + token);
        tokens[id] = token;
        types[id] = type;
        return this;
    }

    /** Consecutive tokens of one type from {@code first}. */
    SyntheticVocabulary run(int first, List<String> names, int type) {
        for (int i = 0; i < names.size(); i++) set(first + i, names.get(i), type);
        return this;
    }

    /** Declares {@code tokenizer.ggml.unknown_token_id} (SmolLM2's converter writes it; Qwen's does not). */
    SyntheticVocabulary unknownToken(int id) {
        unknownToken = id;
        return this;
    }

    int size() {
        return tokens.length;
    }

    /** Writes the tokenizer keys; ids no one set become fillers {@code [loupe_filler_ID]}. */
    void putInto(GgufWriter w, String pre, int bos, int eos, int pad, String chatTemplate) {
        List<String> names = new ArrayList<>(tokens.length);
        List<Long> typeList = new ArrayList<>(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            names.add(tokens[i] != null ? tokens[i] : "[loupe_filler_" + i + "]");
            typeList.add((long) types[i]);
        }
        w.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"))
                .put("tokenizer.ggml.pre", GgufValue.ofString(pre))
                .put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufValueType.STRING, names))
                .put("tokenizer.ggml.token_type", GgufValue.ofArray(GgufValueType.INT32, typeList))
                .put("tokenizer.ggml.merges", GgufValue.ofArray(GgufValueType.STRING, merges))
                .put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(bos))
                .put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(eos))
                .put("tokenizer.ggml.padding_token_id", GgufValue.ofUInt32(pad))
                .put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(false))
                .put("tokenizer.chat_template", GgufValue.ofString(chatTemplate));
        if (unknownToken != null) w.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(unknownToken));
    }

    /** GPT-2's byte-to-unicode map: printable bytes stand for themselves, others map above U+0100. */
    static char byteSymbol(int b) {
        if (printable(b)) return (char) b;
        int n = 0;
        for (int i = 0; i < b; i++) if (!printable(i)) n++;
        return (char) (256 + n);
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    }
}
