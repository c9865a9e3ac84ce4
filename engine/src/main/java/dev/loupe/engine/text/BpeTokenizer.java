package dev.loupe.engine.text;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE tokenization exactly as llama.cpp's {@code llama_tokenize} does it for a GGUF
 * vocabulary: special tokens are split out first ({@link SpecialTokenSplitter}), each remaining
 * fragment is pre-tokenized ({@link PreTokenizer}), each word is byte-encoded and merged
 * ({@link BpeMerges}); BOS/EOS are added only when asked and the vocabulary says so.
 *
 * <p>Thread-safe; meant to be shared by all tasks of an executor. Words already seen are served
 * from a bounded cache, since prompts at scale repeat the same few hundred words.
 */
public final class BpeTokenizer {
    private static final int CACHE_LIMIT = 1 << 16;
    private static final int CACHED_WORD_MAX_CHARS = 48;

    private final Vocabulary vocab;
    private final PreTokenizer preTokenizer;
    private final SpecialTokenSplitter specials;
    private final BpeMerges merges;
    private final byte[][] pieces;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    private BpeTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.preTokenizer = PreTokenizer.forName(vocab.preTokenizer()).orElseThrow(() -> new GgufFormatException(vocab.source(),
                "tokenizer.ggml.pre is \"" + vocab.preTokenizer() + "\"; Loupe knows the pre-tokenizers smollm, qwen2 and youtu"));
        this.specials = new SpecialTokenSplitter(vocab);
        this.merges = new BpeMerges(vocab);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) pieces[id] = renderedPiece(id);
    }

    public static BpeTokenizer of(Vocabulary vocab) {
        return new BpeTokenizer(vocab);
    }

    public static BpeTokenizer load(GgufFile file) {
        return new BpeTokenizer(Vocabulary.load(file));
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    /**
     * Token ids of {@code text}. {@code addSpecial} adds BOS/EOS where the vocabulary asks for
     * them; {@code parseSpecial} lets control tokens written in the text become those tokens.
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos()) out.add(vocab.bos());
        for (SpecialTokenSplitter.Fragment f : specials.split(text, parseSpecial)) {
            if (f.isText()) encodeFragment(text.substring(f.start(), f.end()), out);
            else out.add(f.token());
        }
        if (addSpecial && vocab.addEos()) out.add(vocab.eos());
        return out.toArray();
    }

    private void encodeFragment(String fragment, IntList out) {
        CodepointText text = new CodepointText(fragment);
        int start = 0;
        for (int len : preTokenizer.pieceLengths(text)) {
            String word = text.substring(start, start + len);
            int[] ids = wordCache.get(word);
            if (ids == null) {
                IntList wordIds = new IntList(len + 1);
                merges.encode(utf8(text.cps, start, start + len), preTokenizer.ignoresMerges(), wordIds);
                ids = wordIds.toArray();
                if (word.length() <= CACHED_WORD_MAX_CHARS) {
                    if (wordCache.size() >= CACHE_LIMIT) wordCache.clear();
                    wordCache.put(word, ids);
                }
            }
            out.addAll(ids);
            start += len;
        }
    }

    /** UTF-8 of code points; a lone surrogate becomes U+FFFD, as invalid input does in llama.cpp. */
    private static byte[] utf8(int[] cps, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int cp = cps[i];
            sb.appendCodePoint(Character.isSurrogate((char) cp) && cp <= 0xFFFF ? 0xFFFD : cp);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The bytes a token stands for (llama.cpp's {@code token_to_piece}). Control and unknown
     * tokens are empty unless {@code renderSpecial}; a piece may be part of a UTF-8 character.
     */
    public byte[] piece(int id, boolean renderSpecial) {
        return pieceView(id, renderSpecial).clone();
    }

    byte[] pieceView(int id, boolean renderSpecial) {
        vocab.text(id); // range check with a message naming the file
        if (!renderSpecial && (vocab.attributes(id) & TokenAttr.HIDDEN) != 0) return new byte[0];
        return pieces[id];
    }

    /** Text of a whole token sequence; invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(pieceView(id, renderSpecial));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A streaming decoder for generated tokens. */
    public TokenDecoder decoder(boolean renderSpecial) {
        return new TokenDecoder(this, renderSpecial);
    }

    private byte[] renderedPiece(int id) {
        int attr = vocab.attributes(id);
        String text = vocab.text(id);
        if ((attr & (TokenAttr.HIDDEN | TokenAttr.USER_DEFINED)) != 0) return text.getBytes(StandardCharsets.UTF_8);
        if ((attr & TokenAttr.NORMAL) != 0) return ByteLevel.decode(text);
        if ((attr & TokenAttr.BYTE) != 0 && text.length() >= 5) {
            // Byte tokens are written <0xAB>.
            return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
        }
        return new byte[0]; // unused and undefined tokens render as nothing
    }
}
