package dev.loupe.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Markdown code fences around an answer: models wrap text they were asked to transcribe (or
 * JSON) in {@code ```lang ... ```}, often with a sentence before or after. Only what the fences
 * hold is the answer then.
 */
public final class CodeFences {
    private static final String FENCE = "```";
    /** A fence's info string: the language name on its opening line. */
    private static final Pattern INFO = Pattern.compile("[A-Za-z0-9_+.-]*\\s*");

    private CodeFences() {}

    /**
     * What the answer's fenced blocks hold, joined by newlines, without the fences and their
     * language names; the whole answer, stripped, when it has no fence. A fence never closed
     * (an answer cut off by the token limit) holds the rest of the answer.
     */
    public static String strip(String answer) {
        if (answer == null) return null;
        if (!answer.contains(FENCE)) return answer.strip();
        String[] pieces = answer.split(FENCE, -1);
        List<String> blocks = new ArrayList<>();
        for (int i = 1; i < pieces.length; i += 2) blocks.add(withoutInfoLine(pieces[i]).strip());
        return String.join("\n", blocks).strip();
    }

    /** Whether a fence is opened and never closed: the answer stops inside it. */
    public static boolean unclosed(String answer) {
        return answer != null && AnswerProblems.occurrences(answer, FENCE) % 2 == 1;
    }

    /** What of an answer read through its fences did not parse, or null: a fence never closed. */
    public static String problem(String answer) {
        return unclosed(answer) ? "a code fence is opened and never closed (the answer ends inside it)" : null;
    }

    private static String withoutInfoLine(String block) {
        int nl = block.indexOf('\n');
        if (nl < 0) return block; // an inline fence: all of it is content
        return INFO.matcher(block.substring(0, nl)).matches() ? block.substring(nl + 1) : block;
    }
}
