package dev.loupe.engine.text;

/**
 * Text as code points, the unit llama.cpp's splitters count in, with the two derived strings its
 * regexes run on, each built on first use: the collapsed text (one char per code point, see
 * {@link CodepointClass#collapsed}) and the raw text with non-ASCII whitespace turned into
 * vertical tab (llama.cpp does that so that its std::wregex {@code \s} sees them).
 */
final class CodepointText {
    final int[] cps;
    private String collapsed;
    private String raw;
    private int[] rawCharOfCp;
    private int[] cpOfRawChar;

    CodepointText(String text) {
        this.cps = text.codePoints().toArray();
    }

    int length() {
        return cps.length;
    }

    /** Class flags of the code point at {@code pos}, 0 outside [start, end): the splitters' "no character". */
    int flags(int pos, int start, int end) {
        return pos >= start && pos < end ? CodepointClass.flags(cps[pos]) : 0;
    }

    String collapsed() {
        if (collapsed == null) {
            char[] c = new char[cps.length];
            for (int i = 0; i < c.length; i++) c[i] = CodepointClass.collapsed(cps[i]);
            collapsed = new String(c);
        }
        return collapsed;
    }

    String raw() {
        if (raw == null) {
            StringBuilder sb = new StringBuilder(cps.length);
            rawCharOfCp = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                rawCharOfCp[i] = sb.length();
                int cp = cps[i];
                sb.appendCodePoint(cp > 0x7F && CodepointClass.isWhitespace(cp) ? CodepointClass.COLLAPSED_WHITESPACE : cp);
            }
            rawCharOfCp[cps.length] = sb.length();
            cpOfRawChar = new int[sb.length() + 1];
            for (int i = 0; i <= cps.length; i++) cpOfRawChar[rawCharOfCp[i]] = i;
            raw = sb.toString();
        }
        return raw;
    }

    int rawCharIndex(int cpIndex) {
        raw();
        return rawCharOfCp[cpIndex];
    }

    int cpIndexOfRawChar(int charIndex) {
        raw();
        return cpOfRawChar[charIndex];
    }

    String substring(int start, int end) {
        return new String(cps, start, end - start);
    }
}
