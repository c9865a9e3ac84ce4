package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Special ids and the end-of-generation set against what llama.cpp reported for each oracle model. */
class VocabularyOracleTest {

    @TestFactory
    Stream<DynamicTest> specialTokensMatchLlamaCpp() {
        return TokenizerOracle.all().stream().map(oracle -> DynamicTest.dynamicTest(oracle.family(), () -> {
            Vocabulary v = oracle.tokenizer().vocabulary();
            JsonNode expected = oracle.manifest().get("vocab");
            assertEquals(expected.get("n_vocab").asInt(), v.size());
            assertArrayEquals(TokenizerOracle.ints(expected.get("eog_ids")), v.eogIds(), () -> "EOG ids " + Arrays.toString(v.eogIds()));
            assertEquals(expected.get("bos").asInt(), v.bos());
            assertEquals(expected.get("eos").asInt(), v.eos());
            assertEquals(expected.get("eot").asInt(), v.eot());
            assertEquals(expected.get("add_bos").asBoolean(), v.addBos());
            assertEquals(expected.get("add_eos").asBoolean(), v.addEos());
            for (int id : v.eogIds()) {
                assertTrue(v.isEog(id));
                // llama.cpp makes every EOG token CONTROL, even a plain one like Qwen3's "</s>".
                assertTrue(v.isControl(id), () -> "EOG token " + id + " " + Vocabulary.quote(v.text(id)) + " is not control");
            }
        }));
    }
}
