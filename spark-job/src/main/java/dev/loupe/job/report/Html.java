package dev.loupe.job.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes HTML with every piece of data escaped: image ids, prompts and above all the model's
 * answers are untrusted text, and a {@code <script>} in an answer must show as text, not run.
 * {@link #raw} is for Loupe's own markup only.
 */
public final class Html {
    private final Writer out;

    public Html(Writer out) {
        this.out = out;
    }

    /** Loupe's own markup, written as it is. */
    public Html raw(String markup) {
        try {
            out.write(markup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Text content, escaped; null writes nothing. */
    public Html text(Object value) {
        return value == null ? this : raw(escape(value.toString()));
    }

    /** {@code <tag class="cssClass">text</tag>}, the text escaped. */
    public Html element(String tag, String cssClass, Object text) {
        raw("<" + tag + (cssClass == null ? "" : " class=\"" + escape(cssClass) + "\"") + ">");
        return text(text).raw("</" + tag + ">");
    }

    /** Escapes text for element content and for attribute values in either quote. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
