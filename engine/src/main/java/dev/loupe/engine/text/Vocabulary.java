package dev.loupe.engine.text;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A byte-level BPE vocabulary ({@code tokenizer.ggml.model = gpt2}) read from GGUF metadata the
 * way llama.cpp's {@code llama_vocab::load} reads it: tokens, types, merges, special ids (with
 * llama.cpp's defaults and range checks), add-BOS/EOS flags, the pre-tokenizer name, and the
 * end-of-generation set computed by llama.cpp's own text rules ({@link SpecialTokenRules}).
 * Immutable and thread-safe.
 */
public final class Vocabulary {
    /** "No such token", llama.cpp's LLAMA_TOKEN_NULL. */
    public static final int NONE = SpecialTokenRules.NONE;

    private final Path source;
    private final String[] texts;
    private final TokenType[] types;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    private final List<String> merges;
    private final String preTokenizer;
    private final boolean addBos;
    private final boolean addEos;
    private final SpecialTokenRules.Ids special;
    private final int[] eog;
    private final boolean[] isEog;
    private final int[] specialLongestFirst;

    private Vocabulary(Path source, GgufMetadata md) {
        this.source = source;
        String model = md.optString("tokenizer.ggml.model").orElseThrow(() ->
                new GgufFormatException(source, "missing required metadata key tokenizer.ggml.model: the file has no tokenizer"));
        if (!model.equals("gpt2")) {
            throw new GgufFormatException(source, "tokenizer.ggml.model is \"" + model
                    + "\"; Loupe reads only byte-level BPE vocabularies (\"gpt2\")");
        }
        preTokenizer = md.optString("tokenizer.ggml.pre").orElse("default");

        List<String> tokenList = md.strings("tokenizer.ggml.tokens");
        int n = tokenList.size();
        texts = new String[n];
        ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String text = tokenList.get(i);
            // llama.cpp names empty tokens so that they stay distinct and visible.
            if (text.isEmpty()) text = "[EMPTY_" + i + "]";
            Integer previous = ids.putIfAbsent(text, i);
            if (previous != null) {
                throw new GgufFormatException(source, "tokenizer.ggml.tokens has the token " + quote(text) + " twice, ids "
                        + previous + " and " + i);
            }
            texts[i] = text;
        }

        types = new TokenType[n];
        attrs = new int[n];
        int[] rawTypes = md.has("tokenizer.ggml.token_type") ? md.ints("tokenizer.ggml.token_type") : null;
        if (rawTypes != null && rawTypes.length < n) {
            throw new GgufFormatException(source, "tokenizer.ggml.token_type has " + rawTypes.length + " entries for " + n + " tokens");
        }
        for (int i = 0; i < n; i++) {
            types[i] = rawTypes == null ? TokenType.NORMAL : TokenType.byId(rawTypes[i]);
            attrs[i] = TokenAttr.of(types[i]);
        }

        if (!md.has("tokenizer.ggml.merges")) throw new GgufFormatException(source, "missing required metadata key tokenizer.ggml.merges");
        merges = md.strings("tokenizer.ggml.merges");

        special = new SpecialTokenRules.Ids();
        // llama.cpp's defaults for a gpt2 vocabulary are BOS = EOS = 11 (GPT-2's "," once stood in),
        // dropped when out of range; a GGUF key overrides a default only when it is in range.
        special.bos = inRange(11, n);
        special.eos = inRange(11, n);
        special.bos = idKey(md, "tokenizer.ggml.bos_token_id", special.bos, n);
        special.eos = idKey(md, "tokenizer.ggml.eos_token_id", special.eos, n);
        special.eot = idKey(md, "tokenizer.ggml.eot_token_id", special.eot, n);
        special.eom = idKey(md, "tokenizer.ggml.eom_token_id", special.eom, n);
        special.unknown = idKey(md, "tokenizer.ggml.unknown_token_id", special.unknown, n);
        special.separator = idKey(md, "tokenizer.ggml.seperator_token_id", special.separator, n);
        special.padding = idKey(md, "tokenizer.ggml.padding_token_id", special.padding, n);
        special.mask = idKey(md, "tokenizer.ggml.mask_token_id", special.mask, n);
        special.fimPre = idKey(md, "tokenizer.ggml.fim_pre_token_id", special.fimPre, n);
        special.fimSuf = idKey(md, "tokenizer.ggml.fim_suf_token_id", special.fimSuf, n);
        special.fimMid = idKey(md, "tokenizer.ggml.fim_mid_token_id", special.fimMid, n);
        special.fimPad = idKey(md, "tokenizer.ggml.fim_pad_token_id", special.fimPad, n);
        special.fimRep = idKey(md, "tokenizer.ggml.fim_rep_token_id", special.fimRep, n);
        special.fimSep = idKey(md, "tokenizer.ggml.fim_sep_token_id", special.fimSep, n);
        special.fimPre = idKey(md, "tokenizer.ggml.prefix_token_id", special.fimPre, n);
        special.fimSuf = idKey(md, "tokenizer.ggml.suffix_token_id", special.fimSuf, n);
        special.fimMid = idKey(md, "tokenizer.ggml.middle_token_id", special.fimMid, n);

        // Absent keys mean false for BPE vocabularies of the pre-tokenizers Loupe supports.
        addBos = md.bool("tokenizer.ggml.add_bos_token", false);
        addEos = md.bool("tokenizer.ggml.add_eos_token", false);
        if (addBos && special.bos == NONE) throw new GgufFormatException(source, "tokenizer.ggml.add_bos_token is true, but there is no BOS token");
        if (addEos && special.eos == NONE) throw new GgufFormatException(source, "tokenizer.ggml.add_eos_token is true, but there is no EOS token");

        eog = SpecialTokenRules.resolve(special, texts, ids, attrs);
        isEog = new boolean[n];
        for (int id : eog) isEog[id] = true;

        // llama.cpp matches special tokens longest (in UTF-8 bytes) first; equal lengths by id.
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) lengths[i] = texts[i].getBytes(StandardCharsets.UTF_8).length;
        specialLongestFirst = IntStream.range(0, n).filter(i -> (attrs[i] & TokenAttr.SPECIAL) != 0).boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> -lengths[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Reads the vocabulary of an opened GGUF file. */
    public static Vocabulary load(GgufFile file) {
        return new Vocabulary(file.path(), file.metadata());
    }

    /** Reads the vocabulary from metadata; {@code source} names the file in errors. */
    public static Vocabulary from(GgufMetadata metadata, Path source) {
        return new Vocabulary(source, metadata);
    }

    public Path source() { return source; }
    public int size() { return texts.length; }
    public String preTokenizer() { return preTokenizer; }
    public List<String> merges() { return merges; }
    public boolean addBos() { return addBos; }
    public boolean addEos() { return addEos; }
    public int bos() { return special.bos; }
    public int eos() { return special.eos; }
    /** End of turn: the GGUF's id, else found by text (see {@link SpecialTokenRules} for ties). */
    public int eot() { return special.eot; }
    public int padding() { return special.padding; }
    public int unknown() { return special.unknown; }

    /** The token's text as stored in the GGUF (byte-level encoded for normal tokens). */
    public String text(int id) {
        return texts[checked(id)];
    }

    public TokenType type(int id) {
        return types[checked(id)];
    }

    /** The id of the token with exactly this text, or {@link #NONE}. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? NONE : id;
    }

    /** The id of a token the caller relies on; an error naming the file and the token if absent. */
    public int require(String text) {
        int id = id(text);
        if (id == NONE) throw new GgufFormatException(source, "the vocabulary has no token " + quote(text));
        return id;
    }

    public boolean isEog(int id) {
        return id >= 0 && id < isEog.length && isEog[id];
    }

    /** All end-of-generation ids, ascending. */
    public int[] eogIds() {
        return eog.clone();
    }

    /** True for tokens that only parse with parse_special and only render on request. */
    public boolean isControl(int id) {
        return (attrs[checked(id)] & TokenAttr.CONTROL) != 0;
    }

    public boolean isUserDefined(int id) {
        return (attrs[checked(id)] & TokenAttr.USER_DEFINED) != 0;
    }

    int attributes(int id) {
        return attrs[id];
    }

    /** Control, user-defined and unknown tokens, in the order llama.cpp tries them. */
    int[] specialTokensLongestFirst() {
        return specialLongestFirst;
    }

    Map<String, Integer> idsByText() {
        return ids;
    }

    private int checked(int id) {
        if (id < 0 || id >= texts.length) throw new IndexOutOfBoundsException("token id " + id + " is outside the vocabulary of " + source + " (" + texts.length + " tokens)");
        return id;
    }

    private static int inRange(int id, int n) {
        return id >= 0 && id < n ? id : NONE;
    }

    private int idKey(GgufMetadata md, String key, int fallback, int n) {
        if (!md.has(key)) return fallback;
        long id = md.integer(key);
        // llama.cpp ignores an out-of-range id and keeps its default, so a file it loads loads here too.
        return id >= 0 && id < n ? (int) id : fallback;
    }

    static String quote(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return "Vocabulary[" + source + ", " + texts.length + " tokens, pre " + preTokenizer + ", eog " + Arrays.toString(eog) + "]";
    }
}
