package dev.loupe.engine.text;

/**
 * Unicode classes of code points as llama.cpp's unicode.cpp sees them: one general category
 * (number, letter, mark, punctuation, symbol, separator, other) from the Unicode tables, plus
 * "whitespace" from the Unicode White_Space property (llama.cpp generates its tables with
 * Python's {@code regex} module, whose {@code \s} is White_Space; Java's own
 * {@link Character#isWhitespace} differs, e.g. for NBSP). Categories come from the JDK's Unicode
 * version, which may be newer than llama.cpp's tables for code points assigned recently.
 *
 * <p>{@link #collapsed} is llama.cpp's trick for running {@code \p{..}} regexes with a byte-level
 * regex engine: every code point at or above 128 becomes one marker character per category.
 */
final class CodepointClass {
    static final int NUMBER = 1;
    static final int LETTER = 1 << 1;
    static final int ACCENT_MARK = 1 << 2;
    static final int PUNCTUATION = 1 << 3;
    static final int SYMBOL = 1 << 4;
    static final int SEPARATOR = 1 << 5;
    static final int OTHER = 1 << 6;
    static final int WHITESPACE = 1 << 7;

    /** Markers of the collapsed text, as in llama.cpp (0xD0 for separators and other code points). */
    static final char COLLAPSED_NUMBER = '\u00D1';
    static final char COLLAPSED_LETTER = '\u00D2';
    static final char COLLAPSED_PUNCTUATION = '\u00D3';
    static final char COLLAPSED_ACCENT_MARK = '\u00D4';
    static final char COLLAPSED_SYMBOL = '\u00D5';
    static final char COLLAPSED_OTHER = '\u00D0';
    /** Non-ASCII whitespace collapses to vertical tab, which every regex engine's \s matches. */
    static final char COLLAPSED_WHITESPACE = '\u000B';

    private CodepointClass() {}

    static int flags(int cp) {
        int category = switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            default -> OTHER; // control, format, surrogate, private use, unassigned
        };
        return isWhitespace(cp) ? category | WHITESPACE : category;
    }

    static boolean isLetter(int cp) {
        return (flags(cp) & LETTER) != 0;
    }

    static boolean isNumber(int cp) {
        return (flags(cp) & NUMBER) != 0;
    }

    /** The Unicode White_Space property. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    static char collapsed(int cp) {
        if (cp < 128) return (char) cp;
        int f = flags(cp);
        if ((f & WHITESPACE) != 0) return COLLAPSED_WHITESPACE;
        if ((f & NUMBER) != 0) return COLLAPSED_NUMBER;
        if ((f & LETTER) != 0) return COLLAPSED_LETTER;
        if ((f & PUNCTUATION) != 0) return COLLAPSED_PUNCTUATION;
        if ((f & ACCENT_MARK) != 0) return COLLAPSED_ACCENT_MARK;
        if ((f & SYMBOL) != 0) return COLLAPSED_SYMBOL;
        return COLLAPSED_OTHER;
    }
}
