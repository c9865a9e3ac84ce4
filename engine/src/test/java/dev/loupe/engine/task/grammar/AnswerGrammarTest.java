package dev.loupe.engine.task.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.task.CoordinateTokenBoxes;
import dev.loupe.engine.task.CountAnswers;
import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.RelativeBoxes;
import dev.loupe.engine.task.RelativePoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each answer grammar against hand-written answers: the families' real formats are in it (and
 * then parse without a problem), broken or wordy ones are not, and a cut-off answer is a prefix.
 */
class AnswerGrammarTest {
    private static final ImageFrame PLAIN = new ImageFrame(200, 100, 200, 100, 0, 0, 200, 100);

    private static void accepts(AnswerGrammar g, String answer) {
        assertTrue(g.dfa().matches(answer), g.name() + " should accept " + answer);
    }

    private static void rejects(AnswerGrammar g, String answer) {
        assertFalse(g.dfa().matches(answer), g.name() + " should reject " + answer);
    }

    @Test
    void qwenBoxesAsTheModelWritesThemAndEveryOneParses() {
        List<String> wellFormed = List.of(
                "```json\n[\n\t{\"bbox_2d\": [12, 34, 567, 890], \"label\": \"dog\"},\n\t{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"cat \\\"tabby\\\"\"}\n]\n```",
                "[{\"bbox_2d\": [100,200,500,800]}]",
                "{\"bbox_2d\": [100, 200, 500, 800], \"label\": \"the dog\"}",
                "[{\"label\": \"狗\", \"bbox_2d\": [0, 0, 1000, 1000]}]",
                "  ```json\n[{\"bbox_2d\": [-3, 2.5, 10, 20], \"label\": \"a\\u00e9\"}]\n```");
        for (String a : wellFormed) {
            accepts(AnswerGrammar.JSON_BOXES, a);
            assertNull(RelativeBoxes.problem(a), a);
            assertFalse(RelativeBoxes.parse(a, PLAIN).isEmpty(), a);
            accepts(AnswerGrammar.JSON_BOXES_OR_NONE, a);
        }
        for (String a : List.of("[]", "Here are the boxes: [{\"bbox_2d\": [1, 2, 3, 4]}]", "[{\"bbox_2d\": [1, 2, 3]}]",
                "[{\"label\": \"dog\"}]", "```json\n[{\"bbox_2d\": [1, 2, 3, 4]}]", "[{\"bbox_2d\": [1, 2, 3, 4], \"label\": dog}]",
                "[{\"bbox_2d\": [1, 2, 3, 4]},]", "[{\"bbox_2d\": [1, 2, 3, 4]}] That is all.")) {
            rejects(AnswerGrammar.JSON_BOXES, a);
        }
        // An answer cut off by the token limit is not whole, but it is a prefix of one.
        assertTrue(AnswerGrammar.JSON_BOXES.dfa().startsAnswer("```json\n[{\"bbox_2d\": [1, 2"));
        assertFalse(AnswerGrammar.JSON_BOXES.dfa().startsAnswer("Sure"));
    }

    @Test
    void qwenCountsMayBeTheEmptyListExactlyAsTheCountParserReadsIt() {
        for (String a : List.of("[]", "```json\n[]\n```", "[{\"bbox_2d\": [1, 2, 3, 4], \"label\": \"dog\"}]")) {
            accepts(AnswerGrammar.JSON_BOXES_OR_NONE, a);
            CountAnswers.Result c = CountAnswers.fromBoxes(a, "\"bbox_2d\"", RelativeBoxes.parse(a, PLAIN), RelativeBoxes.problem(a));
            assertNull(c.problem(), a);
        }
        rejects(AnswerGrammar.JSON_BOXES_OR_NONE, "[ ]");
        rejects(AnswerGrammar.JSON_BOXES_OR_NONE, "0");
    }

    @Test
    void qwenPoints() {
        for (String a : List.of("```json\n[\n  {\"point_2d\": [500, 500], \"label\": \"dot\"},\n  {\"point_2d\": [250, 0]}\n]\n```",
                "{\"point_2d\": [1, 2]}")) {
            accepts(AnswerGrammar.JSON_POINTS, a);
            assertNull(RelativePoints.problem(a), a);
        }
        rejects(AnswerGrammar.JSON_POINTS, "[{\"point_2d\": [1, 2, 3]}]");
        rejects(AnswerGrammar.JSON_POINTS, "[{\"bbox_2d\": [1, 2, 3, 4]}]");
    }

    @Test
    void youtuCoordinateTokenBoxes() {
        for (String a : List.of("<box><x_100><y_224><x_300><y_448></box>",
                "<ref>dog</ref><box><x_0><y_0><x_64><y_112></box><box><x_320><y_448><x_640><y_224></box><ref> cat </ref><box><x_10><y_20><x_30><y_40></box>",
                "<ref>a</ref>\n<box> <x_1><y_2><x_3><y_2047> </box>")) {
            accepts(AnswerGrammar.COORDINATE_TOKEN_BOXES, a);
            assertNull(CoordinateTokenBoxes.problem(a), a);
        }
        for (String a : List.of("<box><x_1><y_2><x_3></box>", "<ref>dog</ref>", "The dog is at <box><x_1><y_2><x_3><y_4></box>",
                "<box><y_1><x_2><y_3><x_4></box>", "<box><x_12345><y_2><x_3><y_4></box>")) {
            rejects(AnswerGrammar.COORDINATE_TOKEN_BOXES, a);
        }
    }

    @Test
    void countsInDigitsOrWords() {
        List<Object[]> cases = List.of(new Object[] {"3", 3}, new Object[] {" 12.", 12}, new Object[] {"Three", 3},
                new Object[] {"twenty-one", 21}, new Object[] {"Ninety-nine.", 99}, new Object[] {"zero", 0});
        for (Object[] c : cases) {
            String a = (String) c[0];
            accepts(AnswerGrammar.NUMBER, a);
            assertEquals(c[1], CountAnswers.fromText(a).count(), a);
        }
        for (String a : List.of("There are 3 dogs.", "3 dogs", "", "twenty one", "a dozen", "3.5")) rejects(AnswerGrammar.NUMBER, a);
    }

    @Test
    void onlyTheFormatsThatHoldEveryWellFormedAnswerAreConstrainedByDefault() {
        assertTrue(ConstrainMode.AUTO.applies(AnswerGrammar.JSON_BOXES, true));
        assertFalse(ConstrainMode.AUTO.applies(AnswerGrammar.JSON_BOXES, false), "sampling is left alone");
        assertFalse(ConstrainMode.AUTO.applies(AnswerGrammar.NUMBER, true), "a count in a sentence parses too");
        assertTrue(ConstrainMode.ON.applies(AnswerGrammar.NUMBER, false));
        assertFalse(ConstrainMode.OFF.applies(AnswerGrammar.JSON_BOXES, true));
        assertFalse(ConstrainMode.ON.applies(null, true), "a free-text task has no grammar");
        assertEquals(ConstrainMode.AUTO, ConstrainMode.parse(null));
        assertEquals(ConstrainMode.ON, ConstrainMode.parse(" On "));
        assertEquals("constrain must be on, off, auto, got 'maybe'",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ConstrainMode.parse("maybe")).getMessage());
    }
}
