package dev.loupe.engine.task;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first number an answer gives, in digits ("3", "1,200") or English words ("three",
 * "twenty-one", "twenty one", "a dozen", "two dozen"), "none" and "no" ("no dogs") being zero: how a count is read from
 * models that answer counting questions in words. Digits inside words ("3D", "2nd") are not
 * numbers; neither is an article ("a dog"), which is as often "a few" as one; "No," opening
 * a reply is an answer to a yes/no reading of the question, not a count.
 *
 * <p>Numbers in the families' markup are coordinates and codes, not counts, and are skipped with
 * it: tags and coordinate tokens ({@code <ref>}, {@code </box>}, Youtu-VL's {@code <x_1794>},
 * {@code <y_12>} and {@code <v_0.9>}, SmolVLM's {@code <row_1_col_2>}), {@code <|special|>}
 * tokens, Youtu-VL's run-length pairs ({@code <mask>(3,120)(0,40)</mask>}, to its end when cut
 * off) and Qwen3-VL's JSON coordinates ({@code "point_2d": [120, 45]}). A count a random or
 * confused model writes only in such markup is no count.
 */
final class NumberInText {
    private static final Map<String, Integer> UNITS = Map.ofEntries(Map.entry("zero", 0), Map.entry("one", 1), Map.entry("two", 2),
            Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5), Map.entry("six", 6), Map.entry("seven", 7),
            Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10), Map.entry("eleven", 11), Map.entry("twelve", 12),
            Map.entry("thirteen", 13), Map.entry("fourteen", 14), Map.entry("fifteen", 15), Map.entry("sixteen", 16),
            Map.entry("seventeen", 17), Map.entry("eighteen", 18), Map.entry("nineteen", 19));
    private static final Map<String, Integer> TENS = Map.of("twenty", 20, "thirty", 30, "forty", 40, "fifty", 50, "sixty", 60,
            "seventy", 70, "eighty", 80, "ninety", 90);
    private static final Pattern TOKEN = Pattern.compile(
            "(?<![A-Za-z0-9])(\\d{1,3}(?:,\\d{3})+|\\d+)(?![A-Za-z0-9])|([A-Za-z]+)(?:-([A-Za-z]+))?");

    /** What {@link NumberInText} skips (see the class comment); a bare {@code "<5"} stays text. */
    private static final Pattern MARKUP = Pattern.compile(
            "<mask>.*?(?:</mask>|$)"
                    + "|\"[A-Za-z]+_2d\"\\s*:\\s*\\[[^\\]]*(?:\\]|$)"
                    + "|<\\|[^<>|\\s]*\\|>"
                    + "|</?[A-Za-z][A-Za-z0-9_.-]*>", Pattern.DOTALL);

    private static final Pattern NEXT_WORD = Pattern.compile("\\s+([A-Za-z]+)");

    private NumberInText() {}

    /** The first number of {@code text}, or null when it gives none. */
    static Integer first(String text) {
        if (text == null) return null;
        text = MARKUP.matcher(text).replaceAll(" ");
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            if (m.group(1) != null) {
                try {
                    return Integer.parseInt(m.group(1).replace(",", ""));
                } catch (NumberFormatException e) {
                    continue; // beyond int: not a count
                }
            }
            if (m.group(2) == null) continue;
            String word = m.group(2).toLowerCase(Locale.ROOT);
            Integer n = wordValue(word, m.group(3) == null ? null : m.group(3).toLowerCase(Locale.ROOT));
            if (word.equals("dozen") && previousWordIs(text, m.start(), "a")) return 12;
            if (word.equals("none")) return 0;
            if (word.equals("no") && !followedByComma(text, m.end())) return 0;
            if (n == null) continue;
            if (nextWordIs(text, m.end(), "dozen")) return n * 12;
            String next = TENS.containsKey(word) && m.group(3) == null ? nextWord(text, m.end()) : null;
            Integer unit = next == null ? null : UNITS.get(next);
            return unit != null && unit >= 1 && unit <= 9 ? n + unit : n; // "twenty one"
        }
        return null;
    }

    /** A number word, or a tens word joined to a unit ("twenty-one"); null for other words. */
    private static Integer wordValue(String word, String afterHyphen) {
        Integer tens = TENS.get(word);
        if (tens != null && afterHyphen != null) {
            Integer unit = UNITS.get(afterHyphen);
            if (unit != null && unit >= 1 && unit <= 9) return tens + unit;
        }
        return tens != null ? tens : UNITS.get(word);
    }

    private static boolean followedByComma(String text, int end) {
        int i = end;
        while (i < text.length() && text.charAt(i) == ' ') i++;
        return i < text.length() && text.charAt(i) == ',';
    }

    private static boolean nextWordIs(String text, int end, String word) {
        return word.equals(nextWord(text, end));
    }

    /** The word right after {@code end} (past spaces), lower-cased, or null when a non-letter comes first. */
    private static String nextWord(String text, int end) {
        Matcher m = NEXT_WORD.matcher(text).region(end, text.length());
        return m.lookingAt() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    private static boolean previousWordIs(String text, int start, String word) {
        String before = text.substring(0, start).stripTrailing();
        int from = before.length();
        while (from > 0 && Character.isLetter(before.charAt(from - 1))) from--;
        return before.substring(from).equalsIgnoreCase(word);
    }
}
