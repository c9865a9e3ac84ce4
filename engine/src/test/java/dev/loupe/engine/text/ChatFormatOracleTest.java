package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Prompts formatted from each GGUF's chat template against llama.cpp's formatted prompts, and
 * their token ids against llama.cpp's (text cases whole; image cases around the media marker).
 */
class ChatFormatOracleTest {
    static final Map<String, ChatFormat.Family> FAMILY = Map.of(
            "smolvlm", ChatFormat.Family.SMOLVLM, "qwen3vl", ChatFormat.Family.CHATML, "youtuvl", ChatFormat.Family.YOUTU_VL);
    /**
     * The text mtmd puts right before and right after the first and last image chunk (mtmd's job,
     * not the tokenizer's; listed so the text chunks can be compared whole). SmolVLM's tiles start
     * with row 1, column 1 in every oracle case.
     */
    static final Map<String, String[]> IMAGE_WRAP = Map.of(
            "smolvlm", new String[] {"<fake_token_around_image><row_1_col_1>", "<fake_token_around_image>"},
            "qwen3vl", new String[] {"<|vision_start|>", "<|vision_end|>"},
            "youtuvl", new String[] {"<|vision_start|>", "<|vision_end|>"});

    private static ChatFormat format(TokenizerOracle oracle) {
        return oracle.chatFormat();
    }

    @TestFactory
    Stream<DynamicTest> familyIsDetectedFromTheTemplate() {
        return TokenizerOracle.all().stream().map(oracle -> DynamicTest.dynamicTest(oracle.family(),
                () -> assertEquals(FAMILY.get(oracle.family()), format(oracle).family())));
    }

    @TestFactory
    Stream<DynamicTest> textCasesMatchLlamaCpp() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TokenizerOracle oracle : TokenizerOracle.all()) {
            for (JsonNode c : oracle.textCases()) {
                tests.add(DynamicTest.dynamicTest(oracle + " " + c.get("id").asText(), () -> {
                    String formatted = format(oracle).userPrompt(c.get("prompt").asText());
                    assertEquals(c.get("formatted_prompt").asText(), formatted);
                    JsonNode builtin = c.get("builtin_template_formatted_prompt");
                    if (builtin != null && !builtin.isNull()) assertEquals(builtin.asText(), formatted);
                    int[] expected = TokenizerOracle.ints(c.get("tokens"));
                    int[] actual = oracle.tokenizer().encode(formatted, true, true);
                    assertArrayEquals(expected, actual, () -> "llama.cpp " + Arrays.toString(expected) + "\nLoupe     " + Arrays.toString(actual));
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> imageCasesMatchLlamaCpp() {
        List<DynamicTest> tests = new ArrayList<>();
        for (TokenizerOracle oracle : TokenizerOracle.all()) {
            for (JsonNode c : oracle.imageCases()) {
                tests.add(DynamicTest.dynamicTest(oracle + " " + c.get("id").asText(), () -> {
                    String formatted = format(oracle).userPromptWithImage(c.get("prompt").asText());
                    assertEquals(c.get("formatted_prompt").asText(), formatted);

                    BpeTokenizer t = oracle.tokenizer();
                    int marker = formatted.indexOf(ChatFormat.MEDIA_MARKER);
                    String[] wrap = IMAGE_WRAP.get(oracle.family());
                    int[] first = concat(t.encode(formatted.substring(0, marker), true, true), t.encode(wrap[0], false, true));
                    int[] last = concat(t.encode(wrap[1], false, true),
                            t.encode(formatted.substring(marker + ChatFormat.MEDIA_MARKER.length()), false, true));
                    List<JsonNode> texts = TokenizerOracle.list(c.get("chunks")).stream().filter(ch -> ch.get("type").asText().equals("text")).toList();
                    assertArrayEquals(TokenizerOracle.ints(texts.getFirst().get("tokens")), first, () -> "first chunk " + Arrays.toString(first));
                    assertArrayEquals(TokenizerOracle.ints(texts.getLast().get("tokens")), last, () -> "last chunk " + Arrays.toString(last));
                }));
            }
        }
        return tests.stream();
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(Arrays.stream(a), Arrays.stream(b)).toArray();
    }
}
