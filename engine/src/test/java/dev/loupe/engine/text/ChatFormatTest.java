package dev.loupe.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import dev.loupe.engine.gguf.GgufValue;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatFormatTest {
    static final Path FILE = Path.of("model.gguf");

    private static ChatFormat detect(String template) {
        return ChatFormat.detect(new GgufMetadata(FILE, template == null ? Map.of() : Map.of("tokenizer.chat_template", GgufValue.ofString(template))), FILE);
    }

    @Test
    void systemMessagesFollowEachTemplate() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatFormat.of(ChatFormat.Family.CHATML).prompt("Be brief.", "Hi"));
        assertEquals("<|im_start|>System: Be brief.<end_of_utterance>\nUser: Hi<end_of_utterance>\nAssistant:",
                ChatFormat.of(ChatFormat.Family.SMOLVLM).prompt("Be brief.", "Hi"));
        assertEquals("<|begin_of_text|>system\nBe brief.<|end_of_text|>\n<|begin_of_text|>user\nHi<|end_of_text|>\n<|begin_of_text|>assistant\n",
                ChatFormat.of(ChatFormat.Family.YOUTU_VL).prompt("Be brief.", "Hi"));
    }

    @Test
    void youtuWritesItsDefaultSystemPromptWhenThereIsNone() {
        assertTrue(ChatFormat.of(ChatFormat.Family.YOUTU_VL).userPrompt("Hi")
                .startsWith("<|begin_of_text|>system\nYou are a helpful assistant.<|end_of_text|>\n"));
    }

    @Test
    void detectsFamiliesAsLlamaCppDoes() {
        assertEquals(ChatFormat.Family.CHATML, detect("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}").family());
        assertEquals(ChatFormat.Family.SMOLVLM, detect("<|im_start|>{{ role }}: {{ text }}<end_of_utterance>\n").family());
        assertEquals(ChatFormat.Family.CHATML, detect("chatml").family(), "a llama.cpp template name");
        assertEquals(ChatFormat.Family.CHATML, detect(null).family(), "llama.cpp falls back to ChatML without a template");
    }

    @Test
    void unknownTemplatesAreAnErrorNamingFileAndKey() {
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> detect("{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>{% endfor %}"));
        assertTrue(e.getMessage().contains("model.gguf") && e.getMessage().contains("tokenizer.chat_template")
                && e.getMessage().contains("<|start_header_id|>"), e.getMessage());
        // Phi-4 looks like ChatML but separates role and content with <|im_sep|>.
        assertThrows(GgufFormatException.class, () -> detect("<|im_start|>{{ role }}<|im_sep|>{{ content }}<|im_end|>"));
    }
}
