package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Word splits worked out by hand from llama.cpp's regexes and matchers. */
class PreTokenizerTest {
    static List<String> split(String pre, String text) {
        return PreTokenizer.forName(pre).orElseThrow().split(text);
    }

    @Test
    void smollmSplitsEveryDigitAndLeavesTheLastSpaceOfARunToTheNextWord() {
        assertEquals(List.of("Hello", " ", " world", "  ", " !"), split("smollm", "Hello  world   !"));
        assertEquals(List.of("x", "1", "2", "3", " ", "4"), split("smollm", "x123 4"));
        // GPT-2's contractions are lower case only: "'M" is punctuation then a letter.
        assertEquals(List.of("don", "'t", " I", "'", "M"), split("smollm", "don't I'M"));
    }

    @Test
    void smollmTreatsNoBreakSpaceAsWhitespaceLikeLlamaCpp() {
        // Java's Character.isWhitespace says no for U+00A0; llama.cpp's tables (Unicode White_Space) say yes.
        assertEquals(List.of("a", "\u00A0", "b"), split("smollm", "a\u00A0b"));
        // Unlike " ", a no-break space does not join the next word: it is whitespace, not the optional space.
        assertEquals(List.of("a", "\u00A0\u00A0", "\u00A0", "b"), split("smollm", "a\u00A0\u00A0\u00A0b"));
    }

    @Test
    void qwen2KeepsOneLeadingNonLetterAndSplitsDigits() {
        assertEquals(List.of("Hello", ",", " world", "!\n"), split("qwen2", "Hello, world!\n"));
        assertEquals(List.of("(x", " ", "1", "2"), split("qwen2", "(x 12"));
        assertEquals(List.of("I", "'M", " ok"), split("qwen2", "I'M ok"));
    }

    @Test
    void youtuCutsCjkRunsFirstAndDoesNotSplitCamelCase() {
        // llama.cpp reads \p{Lu} and \p{Ll} as "letter", so CamelCase stays one word (HF would split it).
        assertEquals(List.of("CamelCase", " getHTTP"), split("youtu", "CamelCase getHTTP"));
        assertEquals(List.of("你好", "，", "世界"), split("youtu", "你好，世界"));
        assertEquals(List.of("a", "/", "1"), split("youtu", "a/1"));
    }

    @Test
    void piecesAlwaysCoverTheText() {
        for (String pre : List.of("smollm", "qwen2", "youtu")) {
            for (String text : List.of("", " ", "\r\n\t x", "e\u0301\u200d👨‍👩‍👧 ½²", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 日本語テキスト 한국어")) {
                assertEquals(text, String.join("", split(pre, text)), pre);
            }
        }
    }

    @Test
    void unknownNamesAreNotGuessed() {
        assertTrue(PreTokenizer.forName("llama3").isEmpty());
    }
}
