package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Token ids against llama.cpp's {@code llama_tokenize} for every oracle string and flag combination. */
class BpeTokenizerOracleTest {

    @TestFactory
    Stream<DynamicTest> encodeMatchesLlamaCpp() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TokenizerOracle oracle : TokenizerOracle.all()) {
            List<JsonNode> cases = TokenizerOracle.list(oracle.tokenizerCases());
            for (int i = 0; i < cases.size(); i++) {
                String text = cases.get(i).get("text").asText();
                for (String combination : TokenizerOracle.COMBINATIONS) {
                    boolean addSpecial = combination.startsWith("add_special=true");
                    boolean parseSpecial = combination.endsWith("parse_special=true");
                    int[] expected = TokenizerOracle.ints(cases.get(i).get("ids").get(combination));
                    tests.add(DynamicTest.dynamicTest(oracle + " #" + i + " " + combination + " " + Vocabulary.quote(text), () -> {
                        int[] actual = oracle.tokenizer().encode(text, addSpecial, parseSpecial);
                        assertArrayEquals(expected, actual, () -> "llama.cpp " + Arrays.toString(expected) + "\nLoupe     " + Arrays.toString(actual));
                    }));
                }
            }
        }
        return tests.stream();
    }

    /** Plain text survives encode + decode; with special parsing and rendering, so do special tokens. */
    @TestFactory
    Stream<DynamicTest> decodeInvertsEncode() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TokenizerOracle oracle : TokenizerOracle.all()) {
            for (JsonNode c : TokenizerOracle.list(oracle.tokenizerCases())) {
                String text = c.get("text").asText();
                tests.add(DynamicTest.dynamicTest(oracle + " " + Vocabulary.quote(text), () -> {
                    BpeTokenizer t = oracle.tokenizer();
                    assertEquals(text, t.decode(t.encode(text, false, false), false));
                    assertEquals(text, t.decode(t.encode(text, true, true), true));
                }));
            }
        }
        return tests.stream();
    }
}
