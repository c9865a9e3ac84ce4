package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class TokenDecoderTest {

    /** Fed one token at a time, every oracle string comes out whole, and no character is ever cut. */
    @TestFactory
    Stream<DynamicTest> streamingNeverBreaksACharacter() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TokenizerOracle oracle : TokenizerOracle.all()) {
            for (JsonNode c : TokenizerOracle.list(oracle.tokenizerCases())) {
                String text = c.get("text").asText();
                tests.add(DynamicTest.dynamicTest(oracle + " " + Vocabulary.quote(text), () -> {
                    TokenDecoder decoder = oracle.tokenizer().decoder(true);
                    StringBuilder out = new StringBuilder();
                    for (int id : oracle.tokenizer().encode(text, false, true)) {
                        String part = decoder.accept(id);
                        assertFalse(part.contains("\uFFFD"), () -> "a character was cut: " + Vocabulary.quote(part));
                        out.append(part);
                    }
                    out.append(decoder.finish());
                    assertEquals(text, out.toString());
                }));
            }
        }
        return tests.stream();
    }

    /** In the smolvlm vocabulary an emoji is four one-byte tokens: nothing appears until the fourth. */
    @Test
    void holdsBackTheBytesOfAnUnfinishedCharacter() {
        BpeTokenizer t = TokenizerOracle.all().getFirst().tokenizer();
        int[] ids = t.encode("😀", false, false);
        assertEquals(4, ids.length, "the oracle's smolvlm vocabulary has no merges for this emoji");
        TokenDecoder decoder = t.decoder(false);
        assertEquals("", decoder.accept(ids[0]));
        assertEquals("", decoder.accept(ids[1]));
        assertEquals("", decoder.accept(ids[2]));
        assertEquals("😀", decoder.accept(ids[3]));
        assertEquals("", decoder.finish());
    }

    @Test
    void releasesAnUnfinishedCharacterAsReplacementAtTheEnd() {
        BpeTokenizer t = TokenizerOracle.all().getFirst().tokenizer();
        int[] ids = t.encode("😀", false, false);
        TokenDecoder decoder = t.decoder(false);
        decoder.accept(ids[0]);
        decoder.accept(ids[1]);
        assertEquals("\uFFFD", decoder.finish());
        assertEquals("a", decoder.accept(t.encode("a", false, false)[0]), "the decoder is reset after finish");
    }

    @Test
    void controlTokensRenderOnlyWhenAsked() {
        BpeTokenizer t = TokenizerOracle.all().getFirst().tokenizer();
        int imEnd = t.vocabulary().require("<|im_end|>");
        assertEquals("", t.decoder(false).accept(imEnd));
        assertEquals("<|im_end|>", t.decoder(true).accept(imEnd));
        assertEquals(0, t.piece(imEnd, false).length);
        assertEquals("<|im_end|>", new String(t.piece(imEnd, true), StandardCharsets.UTF_8));
    }

    @Test
    void pieceIsACopy() {
        BpeTokenizer t = TokenizerOracle.all().getFirst().tokenizer();
        int id = t.encode("a", false, false)[0];
        t.piece(id, false)[0] = 'z';
        assertTrue(t.decode(new int[] {id}, false).equals("a"));
    }
}
