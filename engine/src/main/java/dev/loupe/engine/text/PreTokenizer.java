package dev.loupe.engine.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits raw text into the words BPE merges within, as llama.cpp does for a GGUF's
 * {@code tokenizer.ggml.pre}: its regexes are applied in sequence, each one cutting the pieces
 * of the previous one, and the text between matches stays a piece. Thread-safe.
 */
public final class PreTokenizer {
    /** Youtu's first regex: runs of Hangul, of CJK punctuation, of Bopomofo, of Han and kana. */
    private static final String YOUTU_CJK = "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+";
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    private final String name;
    private final List<SplitRule> rules;
    private final boolean ignoresMerges;

    private PreTokenizer(String name, boolean ignoresMerges, SplitRule... rules) {
        this.name = name;
        this.rules = List.of(rules);
        this.ignoresMerges = ignoresMerges;
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} value, or empty if Loupe does not know it. */
    public static java.util.Optional<PreTokenizer> forName(String pre) {
        return java.util.Optional.ofNullable(switch (pre) {
            // SmolLM2 (also StarCoder's): every digit alone, then GPT-2's regex.
            case "smollm" -> new PreTokenizer(pre, false, new RegexSplitRule("\\p{N}"), new Gpt2SplitRule());
            // Qwen2/2.5/3: single digits, letters with one leading non-letter, punctuation runs with their newlines.
            case "qwen2" -> new PreTokenizer(pre, false, new RegexSplitRule(CONTRACTIONS
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"));
            // Youtu: CJK runs first; then a GPT-4o-style regex whose case classes llama.cpp reads as plain letters.
            // A word that is already a token is taken whole (llama.cpp's ignore_merges).
            case "youtu" -> new PreTokenizer(pre, true, new RegexSplitRule(YOUTU_CJK), new RegexSplitRule(
                    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" + CONTRACTIONS + "?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" + CONTRACTIONS + "?"
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"));
            default -> null;
        });
    }

    public String name() {
        return name;
    }

    /** True when a word that is itself a vocabulary token skips BPE (llama.cpp's ignore_merges). */
    public boolean ignoresMerges() {
        return ignoresMerges;
    }

    /** The words of {@code text}, in order; concatenated they give {@code text} back. */
    public List<String> split(String text) {
        CodepointText cps = new CodepointText(text);
        int[] lengths = pieceLengths(cps);
        List<String> words = new ArrayList<>(lengths.length);
        int start = 0;
        for (int len : lengths) {
            words.add(cps.substring(start, start + len));
            start += len;
        }
        return words;
    }

    int[] pieceLengths(CodepointText text) {
        IntList pieces = new IntList(1);
        if (text.length() == 0) return new int[0];
        pieces.add(text.length());
        for (SplitRule rule : rules) pieces = rule.split(text, pieces);
        return pieces.toArray();
    }

    @Override
    public String toString() {
        return "PreTokenizer[" + name + ": " + rules + "]";
    }
}
