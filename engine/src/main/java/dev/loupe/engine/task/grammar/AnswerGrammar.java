package dev.loupe.engine.task.grammar;

import static dev.loupe.engine.task.grammar.ByteGrammar.anyExcept;
import static dev.loupe.engine.task.grammar.ByteGrammar.anyOf;
import static dev.loupe.engine.task.grammar.ByteGrammar.oneOf;
import static dev.loupe.engine.task.grammar.ByteGrammar.oneOrMore;
import static dev.loupe.engine.task.grammar.ByteGrammar.optional;
import static dev.loupe.engine.task.grammar.ByteGrammar.range;
import static dev.loupe.engine.task.grammar.ByteGrammar.repeat;
import static dev.loupe.engine.task.grammar.ByteGrammar.seq;
import static dev.loupe.engine.task.grammar.ByteGrammar.text;
import static dev.loupe.engine.task.grammar.ByteGrammar.zeroOrMore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answer formats constrained decoding keeps a structured task's answer in, one per format a
 * family's parser reads (issue 15 item 7). Each is the format as the model is trained to write
 * it, restricted to what its parser reads without a {@code parse_error}: every answer of the
 * grammar parses, and an answer in the model's format that parses is in the grammar. None
 * allows whitespace after the answer (which every parser and the text column strip), so that
 * a constrained answer stops where its format ends.
 *
 * @param name                   a short name, for logs and caches
 * @param dfa                    the format's automaton over bytes
 * @param keepsWellFormedAnswers whether every answer its family writes that parses is in the grammar,
 *                               so that constraining greedy decoding can only change answers that would
 *                               not parse ({@link ConstrainMode#AUTO} constrains only these); false for
 *                               formats that cut short answers the parser reads, such as a count in a sentence
 */
public record AnswerGrammar(String name, ByteDfa dfa, boolean keepsWellFormedAnswers) {

    private static final ByteGrammar WS = zeroOrMore(anyOf(" \t\n\r"));
    private static final ByteGrammar DIGIT = range('0', '9');

    /**
     * Qwen3-VL's boxes ({@link dev.loupe.engine.task.RelativeBoxes}): a JSON list of at least one
     * object (or one object alone) with {@code "bbox_2d": [x0, y0, x1, y1]} and an optional
     * {@code "label"} string before it, after it or both, optionally in a {@code ```json} fence.
     */
    public static final AnswerGrammar JSON_BOXES = new AnswerGrammar("json-boxes", json(entries("bbox_2d", 4), false).compile(), true);

    /** As {@link #JSON_BOXES}, or the empty list {@code []}: how Qwen3-VL counts none ({@link dev.loupe.engine.task.CountAnswers}). */
    public static final AnswerGrammar JSON_BOXES_OR_NONE = new AnswerGrammar("json-boxes-or-none", json(entries("bbox_2d", 4), true).compile(), true);

    /** Qwen3-VL's points ({@link dev.loupe.engine.task.RelativePoints}): as {@link #JSON_BOXES} with {@code "point_2d": [x, y]}. */
    public static final AnswerGrammar JSON_POINTS = new AnswerGrammar("json-points", json(entries("point_2d", 2), false).compile(), true);

    /**
     * Youtu-VL's boxes ({@link dev.loupe.engine.task.CoordinateTokenBoxes}): one or more
     * {@code <box><x_a><y_b><x_c><y_d></box>}, each run of boxes optionally labelled by a
     * {@code <ref>label</ref>} before it, whitespace allowed between the parts.
     */
    public static final AnswerGrammar COORDINATE_TOKEN_BOXES = new AnswerGrammar("coordinate-token-boxes", coordinateTokenBoxes(), true);

    /**
     * A bare count, in digits or in English number words (as {@code NumberInText} reads them), a
     * full stop allowed after it. Families answering counts in sentences ("There are three dogs.")
     * write answers that parse outside it, so it is not applied by default.
     */
    public static final AnswerGrammar NUMBER = new AnswerGrammar("number", count(), false);

    /** The grammars, for tests and reports. */
    public static List<AnswerGrammar> all() {
        return List.of(JSON_BOXES, JSON_BOXES_OR_NONE, JSON_POINTS, COORDINATE_TOKEN_BOXES, NUMBER);
    }

    private static ByteGrammar key(String name) {
        return seq(text("\"" + name + "\""), WS, text(":"), WS);
    }


    private static ByteGrammar jsonString() {
        ByteGrammar hex = oneOf(range('0', '9'), range('a', 'f'), range('A', 'F'));
        ByteGrammar escape = seq(text("\\"), oneOf(anyOf("\"\\/bfnrt"), seq(text("u"), repeat(hex, 4, 4))));
        return seq(text("\""), zeroOrMore(oneOf(anyExcept("\"\\"), escape)), text("\""));
    }

    /** {@code "name": [n, n, ...]} with {@code numbers} numbers. */
    private static ByteGrammar entries(String name, int numbers) {
        List<ByteGrammar> parts = new ArrayList<>(List.of(key(name), text("["), WS, jsonNumber()));
        for (int i = 1; i < numbers; i++) parts.addAll(List.of(WS, text(","), WS, jsonNumber()));
        parts.addAll(List.of(WS, text("]")));
        return seq(parts.toArray(ByteGrammar[]::new));
    }

    /** A number as the JSON parsers read it: an optional minus, digits, an optional fraction. */
    private static ByteGrammar jsonNumber() {
        return seq(optional(text("-")), oneOrMore(DIGIT), optional(seq(text("."), oneOrMore(DIGIT))));
    }

    /** A JSON list of objects holding {@code entry} and an optional label, or one such object; fenced or not. */
    private static ByteGrammar json(ByteGrammar entry, boolean emptyList) {
        ByteGrammar label = seq(key("label"), jsonString());
        ByteGrammar comma = seq(WS, text(","), WS);
        // The label before or after the entry (both parse: the object's first label is its box's).
        ByteGrammar object = seq(text("{"), WS, optional(seq(label, comma)), entry, optional(seq(comma, label)), WS, text("}"));
        ByteGrammar list = seq(text("["), WS, object, zeroOrMore(seq(comma, object)), WS, text("]"));
        // CountAnswers reads only "[]" exactly (fences and outer whitespace aside) as none.
        ByteGrammar body = emptyList ? oneOf(list, object, text("[]")) : oneOf(list, object);
        return seq(WS, oneOf(body, seq(text("```json"), WS, body, WS, text("```"))));
    }

    private static ByteDfa coordinateTokenBoxes() {
        ByteGrammar box = seq(text("<box>"), WS, coordinate("x"), WS, coordinate("y"), WS, coordinate("x"), WS, coordinate("y"), WS, text("</box>"));
        ByteGrammar ref = seq(text("<ref>"), zeroOrMore(anyExcept("<")), text("</ref>"));
        ByteGrammar labelled = seq(optional(seq(ref, WS)), box, zeroOrMore(seq(WS, box)));
        return seq(WS, labelled, zeroOrMore(seq(WS, labelled))).compile();
    }

    private static ByteGrammar coordinate(String axis) {
        return seq(text("<" + axis + "_"), repeat(DIGIT, 1, 4), text(">"));
    }

    /** A count: digits, or a number word (capitalised or not, tens joined to a unit by a hyphen), then an optional full stop. */
    private static ByteDfa count() {
        List<String> units = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen");
        List<String> tens = List.of("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety");
        List<ByteGrammar> words = new ArrayList<>();
        for (String u : units) words.add(word(u));
        ByteGrammar unit = oneOf(units.subList(1, 10).stream().map(ByteGrammar::text).toArray(ByteGrammar[]::new));
        for (String t : tens) words.add(seq(word(t), optional(seq(text("-"), unit))));
        // At most six digits: the count parser reads an int.
        ByteGrammar value = oneOf(repeat(DIGIT, 1, 6), oneOf(words.toArray(ByteGrammar[]::new)));
        return seq(WS, value, optional(text("."))).compile();
    }

    /** A word as written, or with its first letter capitalised. */
    private static ByteGrammar word(String w) {
        return oneOf(text(w), text(w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1)));
    }
}
