package dev.loupe.engine.text;

/**
 * GPT-2's pre-tokenizer regex {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * as a hand-written matcher, because llama.cpp runs this exact regex through its own matcher
 * over full Unicode classes instead of a regex engine (so, e.g., NBSP is whitespace here).
 * Contractions are case-sensitive. Code points of no class never start a match and end up
 * one per piece, as in llama.cpp.
 */
final class Gpt2SplitRule implements SplitRule {
    private static final int WORDLIKE = CodepointClass.WHITESPACE | CodepointClass.LETTER | CodepointClass.NUMBER;

    @Override
    public IntList split(CodepointText text, IntList pieces) {
        IntList out = new IntList(pieces.size() * 4);
        int[] cps = text.cps;
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int end = start + pieces.get(p);
            int pos = start;
            while (pos < end) {
                int next = matchEnd(text, cps, pos, start, end);
                out.add(next - pos);
                pos = next;
            }
            start = end;
        }
        return out;
    }

    /** Where the match starting at {@code pos} ends; at least one code point further. */
    private static int matchEnd(CodepointText text, int[] cps, int pos, int start, int end) {
        int c = cps[pos];
        if (c == '\'' && pos + 1 < end) {
            int c1 = cps[pos + 1];
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return pos + 2;
            if (pos + 2 < end) {
                int c2 = cps[pos + 2];
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return pos + 3;
            }
        }
        int lead = c == ' ' ? 1 : 0;
        int f = text.flags(pos + lead, start, end);
        if ((f & CodepointClass.LETTER) != 0) return runOf(text, pos + lead, start, end, CodepointClass.LETTER);
        if ((f & CodepointClass.NUMBER) != 0) return runOf(text, pos + lead, start, end, CodepointClass.NUMBER);
        if (f != 0 && (f & WORDLIKE) == 0) {
            int q = pos + lead;
            while (true) {
                int g = text.flags(q, start, end);
                if (g == 0 || (g & WORDLIKE) != 0) return q;
                q++;
            }
        }
        int spaces = 0;
        while ((text.flags(pos + spaces, start, end) & CodepointClass.WHITESPACE) != 0) spaces++;
        // \s+(?!\S): a run followed by more text leaves its last space to the next word.
        if (spaces > 1 && pos + spaces < end) return pos + spaces - 1;
        if (spaces > 0) return pos + spaces;
        return pos + 1;
    }

    private static int runOf(CodepointText text, int q, int start, int end, int flag) {
        while ((text.flags(q, start, end) & flag) != 0) q++;
        return q;
    }

    @Override
    public String toString() {
        return "gpt2 matcher";
    }
}
