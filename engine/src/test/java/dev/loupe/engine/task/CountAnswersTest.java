package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Counts from what models answer: numbers in words and digits, and distinct boxes of families that count by detecting. */
class CountAnswersTest {

    /** Answers as small models give them to "How many X are there?", and the count read from each (blank: none). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "3|3",
            "There are 3 dogs in the image.|3",
            "There are three dogs.|3",
            "Three.|3",
            "I can see twelve birds on the wire.|12",
            "twenty|20",
            "There are twenty-one people.|21",
            "Twenty one.|21",
            "Twenty, maybe more.|20",
            "About a dozen eggs.|12",
            "two dozen|24",
            "There are no dogs in this image.|0",
            "None.|0",
            "No.|0",
            "zero|0",
            "No, there are 4 cats.|4",
            "A crowd of 1,200 people.|1200",
            "The 3D model shows 2 chairs.|2",
            "The 2nd shelf holds five books.|5",
            "There is one cat and 2 dogs.|1",
            "There is a dog in the image.|",
            "I cannot tell.|",
            "|",
            // Markup is not a count: coordinate tokens, tags, special tokens, run-length pairs, JSON coordinates.
            "<x_1794><y_302>|",
            "<ref>dog</ref><x_1794><y_302> two dogs|2",
            "<box><x_10><y_20><x_30><y_40></box> There are 3 cats.|3",
            "<person><box><x_5><y_6><x_7><y_8></box><kpt><x_5><y_6><v_0.9></kpt></person>|",
            "<x_0>none|0",
            "<FG><BG><OTHERS>|",
            "<depth><mask>(3,120)(0,40)</mask> four|4",
            "<mask>(1,2)(0,7|",
            "<row_1_col_2><fake_token_around_image> five|5",
            "6<end_of_utterance>|6",
            "[{\"point_2d\": [120, 45], \"label\": \"dog\"}, {\"point_2d\": [300,|",
            "about <5 of them|5",
    })
    void theFirstNumberOfATextAnswer(String answer, Integer expected) {
        CountAnswers.Result r = CountAnswers.fromText(answer);
        assertEquals(expected, r.count());
        assertNull(r.boxes(), "a count in words has no boxes");
        assertEquals(expected == null ? "no number in the answer" : null, r.problem());
    }

    /**
     * A Youtu-VL count answer without a whole box (random weights write coordinate tokens anywhere):
     * its coordinates are not the count, and the row says what was missing.
     */
    @Test
    void youtuVlsCoordinateTokensOutsideABoxAreNoCount() {
        String answer = "<ref>dog</ref><x_1794><y_3>";
        ImageFrame frame = new ImageFrame(200, 100, 200, 100, 0, 0, 200, 100);
        CountAnswers.Result r = CountAnswers.fromBoxes(answer, "<box>", CoordinateTokenBoxes.parse(answer, frame), CoordinateTokenBoxes.problem(answer));
        assertNull(r.count());
        assertNull(r.boxes());
        assertEquals("no <box> and no number in the answer", r.problem());
        assertEquals(2, CountAnswers.fromBoxes("<ref>dog</ref><x_1794> 2", "<box>", List.of(), "no <box> in the answer").count());
    }

    /** Special tokens written out (a template's or Qwen's grounding tokens) are skipped like tags. */
    @Test
    void specialTokensAreNoCount() {
        assertEquals(4, CountAnswers.fromText("<|object_ref_start|>dogs<|object_ref_end|><|box_start|> 4").count());
        assertNull(CountAnswers.fromText("<|im_start|><|vision_start|><|image_pad|>").count());
    }

    @Test
    void aFencedNumber() {
        assertEquals(7, CountAnswers.fromText("```\n7\n```").count());
    }

    static final String BOX = "\"bbox_2d\"";

    static Annotation.Box box(String label, float x0, float y0, float x1, float y1) {
        return new Annotation.Box(label, x0, y0, x1, y1, null);
    }

    /** Qwen3-VL counts by detecting: the count is the number of distinct boxes, repeats (a looping model) counted once. */
    @Test
    void aDetectingFamilyCountsItsDistinctBoxes() {
        String answer = "```json\n[{\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dog\"}, {\"bbox_2d\": [500, 500, 1000, 1000], \"label\": \"dog\"},"
                + " {\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dog\"}]\n```";
        List<Annotation.Box> parsed = RelativeBoxes.parse(answer, RelativeBoxesTest.PLAIN);
        assertEquals(3, parsed.size());
        CountAnswers.Result r = CountAnswers.fromBoxes(answer, BOX, parsed, RelativeBoxes.problem(answer));
        assertEquals(2, r.count());
        assertEquals(List.of(box("dog", 0, 0, 100, 50), box("dog", 100, 50, 200, 100)), r.boxes());
        assertNull(r.problem());
    }

    /** The same corners with another label are another object; a cut-off entry is named and the count is of the whole ones. */
    @Test
    void otherLabelsCountAndACutOffEntryIsNamed() {
        String answer = "[{\"bbox_2d\": [0, 0, 500, 500], \"label\": \"cat\"}, {\"bbox_2d\": [0, 0, 500, 500], \"label\": \"dog\"}, {\"bbox_2d\": [10, 20,";
        CountAnswers.Result r = CountAnswers.fromBoxes(answer, BOX, RelativeBoxes.parse(answer, RelativeBoxesTest.PLAIN), RelativeBoxes.problem(answer));
        assertEquals(2, r.count());
        assertEquals("1 of 3 \"bbox_2d\" entries is not four numbers (the answer ends inside one)", r.problem());
    }

    @Test
    void aDetectingFamilyAnsweringInWordsOrWithNothing() {
        CountAnswers.Result words = CountAnswers.fromBoxes("There are 5 dogs.", BOX, List.of(), "no \"bbox_2d\" in the answer");
        assertEquals(5, words.count());
        assertNull(words.boxes());
        assertNull(words.problem());

        CountAnswers.Result empty = CountAnswers.fromBoxes("```json\n[]\n```", BOX, List.of(), "no \"bbox_2d\" in the answer");
        assertEquals(0, empty.count());
        assertEquals(List.of(), empty.boxes());
        assertNull(empty.problem());

        CountAnswers.Result nothing = CountAnswers.fromBoxes("I am not sure.", BOX, List.of(), "no \"bbox_2d\" in the answer");
        assertNull(nothing.count());
        assertEquals("no \"bbox_2d\" and no number in the answer", nothing.problem());

        // Every entry broken: no count (not zero), the parser's problem kept.
        String cut = "[{\"bbox_2d\": [12, 3";
        CountAnswers.Result broken = CountAnswers.fromBoxes(cut, BOX, RelativeBoxes.parse(cut, RelativeBoxesTest.PLAIN), RelativeBoxes.problem(cut));
        assertNull(broken.count());
        assertEquals(List.of(), broken.boxes());
        assertEquals("1 of 1 \"bbox_2d\" entries is not four numbers (the answer ends inside one)", broken.problem());
    }

    /** Youtu-VL asked with categories answers with its detection grammar: boxes per <ref>, counted the same way. */
    @Test
    void youtuVlsCoordinateTokenBoxesCountTheSameWay() {
        ImageFrame frame = new ImageFrame(200, 100, 200, 100, 0, 0, 200, 100);
        String answer = "<ref>dog</ref><box><x_10><y_10><x_50><y_50></box><box><x_60><y_10><x_90><y_50></box><box><x_10><y_10><x_50><y_50></box>"
                + "<ref>cat</ref><box><x_10><y_10><x_50><y_50></box>";
        CountAnswers.Result r = CountAnswers.fromBoxes(answer, "<box>", CoordinateTokenBoxes.parse(answer, frame), CoordinateTokenBoxes.problem(answer));
        assertEquals(3, r.count());
        assertEquals(3, r.boxes().size());
        RelativeBoxesTest.assertBox(r.boxes().get(0), "dog", 10, 10, 50, 50);
        RelativeBoxesTest.assertBox(r.boxes().get(1), "dog", 60, 10, 90, 50);
        RelativeBoxesTest.assertBox(r.boxes().get(2), "cat", 10, 10, 50, 50);
        assertNull(r.problem());
    }

    /** A repeat keeps the first box's score; the same corners under another label are another box. */
    @Test
    void distinctBoxesKeepTheFirstOfARepeat() {
        List<Annotation.Box> boxes = List.of(new Annotation.Box("dog", 1, 2, 3, 4, 0.9f), new Annotation.Box("dog", 1, 2, 3, 4, 0.2f),
                new Annotation.Box("cat", 1, 2, 3, 4, 0.5f), new Annotation.Box(null, 1, 2, 3, 4, null), new Annotation.Box(null, 1, 2, 3, 4, 0.1f));
        assertEquals(List.of(boxes.get(0), boxes.get(2), boxes.get(3)), DistinctBoxes.of(boxes));
    }
}
