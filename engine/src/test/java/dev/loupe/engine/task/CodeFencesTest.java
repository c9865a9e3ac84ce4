package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** OCR answers as models write them: the text inside code fences, without the fences, their language names or the prose around. */
class CodeFencesTest {
    @Test
    void anAnswerWithoutFencesIsKeptStripped() {
        assertEquals("STOP\nNo parking 8am-6pm", CodeFences.strip("  STOP\nNo parking 8am-6pm\n"));
        assertNull(CodeFences.problem("STOP"));
    }

    @Test
    void aFencedAnswerLosesItsFencesAndLanguageName() {
        assertEquals("# Menu\nSoup  4.50\nBread 2.00", CodeFences.strip("```markdown\n# Menu\nSoup  4.50\nBread 2.00\n```"));
        assertEquals("OPEN 24 HOURS", CodeFences.strip("```\nOPEN 24 HOURS\n```"));
    }

    @Test
    void proseAroundFencedBlocksIsDroppedAndBlocksAreJoined() {
        String answer = "Here is the text in the image:\n```text\nEXIT\n```\nand on the second sign:\n```\nPUSH\n```\nLet me know if you need more.";
        assertEquals("EXIT\nPUSH", CodeFences.strip(answer));
        assertNull(CodeFences.problem(answer));
    }

    /** The first line of a block is a language name only when it is one word: "```Hello world" keeps its words. */
    @Test
    void aFirstLineThatIsTextIsKept() {
        assertEquals("Hello world\nBye", CodeFences.strip("```Hello world\nBye\n```"));
        assertEquals("x = 1", CodeFences.strip("The code reads ```x = 1``` on the board."));
    }

    @Test
    void aFenceCutOffByTheTokenLimitHoldsTheRestAndIsNamed() {
        String answer = "```\nChapter 1\nIt was a bright cold day in April, and the clocks";
        assertEquals("Chapter 1\nIt was a bright cold day in April, and the clocks", CodeFences.strip(answer));
        assertEquals("a code fence is opened and never closed (the answer ends inside it)", CodeFences.problem(answer));
        assertNull(CodeFences.strip(null));
    }
}
