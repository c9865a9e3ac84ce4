package dev.loupe.engine.task.grammar;

import static dev.loupe.engine.task.grammar.ByteGrammar.oneOrMore;
import static dev.loupe.engine.task.grammar.ByteGrammar.range;
import static dev.loupe.engine.task.grammar.ByteGrammar.seq;
import static dev.loupe.engine.task.grammar.ByteGrammar.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Token masks of a small grammar ("[", digits, "]") over a hand-built vocabulary, every mask worked out by hand. */
class TokenAutomatonTest {
    /** Ids: 0 "[", 1 "]", 2 "1", 3 "23", 4 "[1", 5 "]x", 6 "a", 7 a control token (no bytes), 8 end of generation, 9 "1]". */
    static final String[] TEXTS = {"[", "]", "1", "23", "[1", "]x", "a", "", "", "1]"};
    static final int EOG = 8;
    static final TokenAutomaton AUTOMATON = TokenAutomaton.of(seq(text("["), oneOrMore(range('0', '9')), text("]")).compile(), vocabulary());

    static TokenPieces vocabulary() {
        byte[][] pieces = new byte[TEXTS.length][];
        for (int i = 0; i < TEXTS.length; i++) pieces[i] = TEXTS[i].getBytes(StandardCharsets.UTF_8);
        return new TokenPieces(pieces, new int[] {EOG});
    }

    /** The ids whose logits a mask leaves finite. */
    static int[] kept(int state, int budget) {
        float[] logits = new float[TEXTS.length + 2]; // two ids beyond the vocabulary, as padded output rows have
        AUTOMATON.mask(state, budget, logits, 0, logits.length, new int[TEXTS.length], new float[TEXTS.length]);
        return java.util.stream.IntStream.range(0, logits.length).filter(i -> logits[i] != Float.NEGATIVE_INFINITY).toArray();
    }

    @Test
    void masksFollowTheAnswerSoFar() {
        int start = AUTOMATON.start();
        assertArrayEquals(new int[] {0, 4}, kept(start, 10), "an answer opens with [ (alone or with a digit)");
        int open = AUTOMATON.next(start, 0);
        assertArrayEquals(new int[] {2, 3, 9}, kept(open, 10), "a digit must come before ]");
        int digit = AUTOMATON.next(start, 4);
        assertArrayEquals(new int[] {1, 2, 3, 9}, kept(digit, 10), "]x would leave the grammar");
        int closed = AUTOMATON.next(digit, 1);
        assertTrue(AUTOMATON.complete(closed));
        assertArrayEquals(new int[] {EOG}, kept(closed, 10), "only end of generation after a whole answer");
        assertEquals(ByteDfa.DEAD, AUTOMATON.next(start, 6));
        assertEquals(ByteDfa.DEAD, AUTOMATON.next(start, 7), "a token adding no bytes cannot advance an answer");
    }

    @Test
    void theBudgetKeepsOnlyTokensAfterWhichTheAnswerCanStillBeFinished() {
        int start = AUTOMATON.start();
        assertEquals(2, AUTOMATON.distance(start), "[1 then ], or [ then 1]");
        int open = AUTOMATON.next(start, 0);
        assertEquals(1, AUTOMATON.distance(open));
        assertArrayEquals(new int[] {9}, kept(open, 1), "one token left: only 1] finishes the answer");
        assertArrayEquals(new int[] {2, 3, 9}, kept(open, 2));
    }

    @Test
    void allowedLogitsAreLeftExactlyAsTheyWereSoAnAllowedArgmaxStaysTheArgmax() {
        SplittableRandom random = new SplittableRandom(7);
        int kept = 0;
        for (int answer = 0; answer < 50; answer++) {
            AnswerConstraint constraint = new AnswerConstraint(AUTOMATON);
            for (int left = 6; left > 0 && !constraint.complete(); left--) {
                float[] logits = new float[TEXTS.length];
                for (int i = 0; i < logits.length; i++) logits[i] = (float) random.nextGaussian();
                float[] raw = logits.clone();
                constraint.mask(logits, 0, logits.length, left);
                for (int i = 0; i < logits.length; i++) assertTrue(logits[i] == raw[i] || logits[i] == Float.NEGATIVE_INFINITY);
                int rawBest = argmax(raw), best = argmax(logits);
                if (logits[rawBest] == raw[rawBest]) {
                    assertEquals(rawBest, best);
                    kept++;
                }
                constraint.accept(best, best == EOG);
                if (best == EOG) break;
            }
            assertTrue(constraint.accepting(), "a whole answer within six tokens");
        }
        assertTrue(kept > 10, "the raw argmax was allowed in " + kept + " steps");
    }

    @Test
    void aLongVocabularyPrefixThatLeavesTheGrammarSkipsEveryTokenSharingIt() {
        // "]x", "]xa", "]xb" share "]x", which no answer begins with; "[" and "[12" stay allowed.
        String[] texts = {"]xb", "[", "]x", "[12", "]xa", "]", "7"};
        byte[][] pieces = Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        TokenAutomaton a = TokenAutomaton.of(seq(text("["), oneOrMore(range('0', '9')), text("]")).compile(), new TokenPieces(pieces, new int[0]));
        assertArrayEquals(new int[] {1, 3}, a.allowed(a.start()));
        assertFalse(a.accepting(a.start()));
        // Without "]" and "7" no answer can be finished: nothing is allowed at all.
        TokenAutomaton unfinishable = TokenAutomaton.of(seq(text("["), oneOrMore(range('0', '9')), text("]")).compile(),
                new TokenPieces(Arrays.copyOf(pieces, 5), new int[0]));
        assertArrayEquals(new int[0], unfinishable.allowed(unfinishable.start()));
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
