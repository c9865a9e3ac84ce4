package dev.loupe.engine.task;

/** Wording shared by the answer parsers' {@code problem} methods, so that every parse_error reads alike. */
final class AnswerProblems {
    private AnswerProblems() {}

    /** How often {@code tag} occurs in {@code text}. */
    static int occurrences(String text, String tag) {
        int n = 0;
        for (int i = text.indexOf(tag); i >= 0; i = text.indexOf(tag, i + tag.length())) n++;
        return n;
    }

    /** Whether the text's last {@code open} tag is never closed (an answer cut off by the token limit). */
    static boolean endsInside(String text, String open, String close) {
        int last = text.lastIndexOf(open);
        return last >= 0 && text.indexOf(close, last) < 0;
    }

    /** "N of M ENTRIES are not WHAT", with the cut-off note, or null when none is bad. */
    static String badEntries(int bad, int total, String entries, String what, boolean cutOff) {
        if (bad <= 0) return null;
        return bad + " of " + total + " " + entries + " " + (bad == 1 ? "is" : "are") + " not " + what
                + (cutOff ? " (the answer ends inside one)" : "");
    }
}
