package dev.loupe.engine.text;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer regex run the way llama.cpp's {@code unicode_regex_split} runs it. A regex
 * using {@code \p{..}} classes runs on the collapsed text, with each class rewritten to its
 * marker character plus the ASCII characters of that class, so that letters are whatever
 * llama.cpp's tables say (and {@code \p{Lu}}, {@code \p{Ll}}... all mean "letter", as in
 * llama.cpp). A regex without classes runs on the code points themselves. Java's backtracking
 * engine and ECMAScript's agree on these patterns: ordered alternation, greedy quantifiers,
 * lookahead that stops at the end of the piece, ASCII {@code \s}.
 */
final class RegexSplitRule implements SplitRule {
    private static final Map<String, String> COLLAPSED_CLASSES = Map.ofEntries(
            Map.entry("N", "\\x{D1}0-9"),
            Map.entry("L", "\\x{D2}A-Za-z"),
            Map.entry("Lu", "\\x{D2}A-Za-z"),
            Map.entry("Ll", "\\x{D2}A-Za-z"),
            Map.entry("Lt", "\\x{D2}A-Za-z"),
            Map.entry("Lm", "\\x{D2}A-Za-z"),
            Map.entry("Lo", "\\x{D2}A-Za-z"),
            Map.entry("P", "\\x{D3}!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"),
            Map.entry("M", "\\x{D4}"),
            Map.entry("S", "\\x{D5}\\$\\+<->\\^`\\|"));

    private final String source;
    private final Pattern pattern;
    private final boolean onCollapsedText;

    RegexSplitRule(String llamaRegex) {
        this.source = llamaRegex;
        String collapsed = collapse(llamaRegex);
        this.onCollapsedText = !collapsed.equals(llamaRegex);
        this.pattern = Pattern.compile(collapsed);
    }

    /**
     * Rewrites every {@code \p{X}} to the collapsed-text class, bracketed unless already inside
     * brackets. Within one bracket a class is written once: {@code [\p{Lu}\p{Ll}]} collapses to
     * the letter class twice, and Java would test each copy.
     */
    static String collapse(String regex) {
        StringBuilder out = new StringBuilder(regex.length() * 2);
        boolean insideBrackets = false;
        java.util.Set<String> inBracket = new java.util.HashSet<>();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                int close = regex.startsWith("\\p{", i) ? regex.indexOf('}', i) : -1;
                String cls = close > 0 ? COLLAPSED_CLASSES.get(regex.substring(i + 3, close)) : null;
                if (cls != null) {
                    if (!insideBrackets) out.append('[').append(cls).append(']');
                    else if (inBracket.add(cls)) out.append(cls);
                    i = close;
                } else {
                    out.append(c).append(regex.charAt(++i));
                }
                continue;
            }
            if (c == '[') {
                insideBrackets = true;
                inBracket.clear();
            }
            else if (c == ']') insideBrackets = false;
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public IntList split(CodepointText text, IntList pieces) {
        IntList out = new IntList(pieces.size() * 4);
        Matcher m = pattern.matcher(onCollapsedText ? text.collapsed() : text.raw());
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int end = start + pieces.get(p);
            // Opaque region bounds: the lookahead in \s+(?!\S) sees the piece's end as the text's end.
            m.region(toChar(text, start), toChar(text, end));
            int done = start;
            while (m.find()) {
                int ms = toCp(text, m.start());
                int me = toCp(text, m.end());
                if (ms > done) out.add(ms - done);
                if (me > ms) out.add(me - ms);
                done = me;
            }
            if (done < end) out.add(end - done);
            start = end;
        }
        return out;
    }

    private int toChar(CodepointText text, int cp) {
        return onCollapsedText ? cp : text.rawCharIndex(cp);
    }

    private int toCp(CodepointText text, int ch) {
        return onCollapsedText ? ch : text.cpIndexOfRawChar(ch);
    }

    @Override
    public String toString() {
        return "regex " + source;
    }
}
