package dev.loupe.engine.text;

import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Writes a one-turn prompt (optional system message, one user message, the assistant's
 * generation prompt) the way the GGUF's chat template would. Loupe does not run Jinja: like
 * llama.cpp's {@code llm_chat_detect_template}, it recognises the template family from marker
 * strings in {@code tokenizer.chat_template} and writes that family's format. The strings are
 * those of llama.cpp's Jinja rendering of the families' templates; for a lone user message they
 * equal llama.cpp's built-in formats too.
 *
 * <p>An image goes where {@link #MEDIA_MARKER} stands in the user text; llama.cpp's mtmd expands
 * the marker into the model's image tokens after formatting.
 */
public final class ChatFormat {
    /** llama.cpp's default media marker ({@code mtmd_default_marker()}). */
    public static final String MEDIA_MARKER = "<__media__>";
    /** Youtu-VL's template writes this system turn when the conversation has none. */
    public static final String YOUTU_DEFAULT_SYSTEM = "You are a helpful assistant.";

    /** The template families Loupe can write. */
    public enum Family {
        /** SmolVLM / Idefics3: {@code <|im_start|>User: ...<end_of_utterance>\nAssistant:}. */
        SMOLVLM,
        /** ChatML, used by Qwen3-VL: {@code <|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n}. */
        CHATML,
        /** Youtu-VL: ChatML-like turns opened by {@code <|begin_of_text|>} and closed by {@code <|end_of_text|>}. */
        YOUTU_VL
    }

    private final Family family;

    private ChatFormat(Family family) {
        this.family = family;
    }

    public static ChatFormat of(Family family) {
        return new ChatFormat(family);
    }

    /**
     * The format of a GGUF's {@code tokenizer.chat_template}. Without a template llama.cpp falls
     * back to ChatML, and so does Loupe; a template of no known family is an error naming the file.
     */
    public static ChatFormat detect(GgufMetadata metadata, Path source) {
        Optional<String> template = metadata.optString("tokenizer.chat_template");
        if (template.isEmpty()) return new ChatFormat(Family.CHATML);
        return new ChatFormat(detect(template.get()).orElseThrow(() -> new GgufFormatException(source,
                "tokenizer.chat_template is not a template Loupe can write (it knows SmolVLM, ChatML and Youtu-VL); it begins "
                        + Vocabulary.quote(abbreviate(template.get())))));
    }

    /** The family of a template text or of a llama.cpp template name ("chatml", "smolvlm"). */
    public static Optional<Family> detect(String template) {
        switch (template) {
            case "chatml": return Optional.of(Family.CHATML);
            case "smolvlm": return Optional.of(Family.SMOLVLM);
            default: break;
        }
        if (template.contains("<|im_start|>")) {
            if (template.contains("<|im_sep|>")) return Optional.empty(); // Phi-4's variant of ChatML
            // SmolVLM opens with <|im_start|> like ChatML, but its turns are "User: ...<end_of_utterance>".
            return Optional.of(template.contains("<end_of_utterance>") ? Family.SMOLVLM : Family.CHATML);
        }
        // llama.cpp has no built-in format for Youtu-VL (it needs --jinja); Loupe recognises its turn markers.
        if (template.contains("<|begin_of_text|>") && template.contains("<|end_of_text|>") && template.contains("<|vision_start|>")) {
            return Optional.of(Family.YOUTU_VL);
        }
        return Optional.empty();
    }

    public Family family() {
        return family;
    }

    /** One user message and the generation prompt, no system message. */
    public String userPrompt(String user) {
        return prompt(null, user);
    }

    /** A user message that shows one image before the text. */
    public String userPromptWithImage(String user) {
        return prompt(null, MEDIA_MARKER + user);
    }

    /** A system message (null for none), one user message and the generation prompt. */
    public String prompt(String system, String user) {
        StringBuilder sb = new StringBuilder(user.length() + 96);
        switch (family) {
            case SMOLVLM -> {
                // The template capitalises the role; llama.cpp's non-Jinja SmolVLM format would
                // write a system message as "{system}\n\n" instead.
                sb.append("<|im_start|>");
                if (system != null) sb.append("System: ").append(system).append("<end_of_utterance>\n");
                sb.append("User: ").append(user).append("<end_of_utterance>\nAssistant:");
            }
            case CHATML -> {
                if (system != null) sb.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
                sb.append("<|im_start|>user\n").append(user).append("<|im_end|>\n<|im_start|>assistant\n");
            }
            case YOUTU_VL -> sb.append("<|begin_of_text|>system\n").append(system != null ? system : YOUTU_DEFAULT_SYSTEM)
                    .append("<|end_of_text|>\n<|begin_of_text|>user\n").append(user)
                    .append("<|end_of_text|>\n<|begin_of_text|>assistant\n");
        }
        return sb.toString();
    }

    /**
     * What the template writes between the generation prompt and the assistant's text: SmolVLM's
     * writes {@code "Assistant: " + text} (so its models answer with a leading space after
     * {@code "Assistant:"}); ChatML and Youtu-VL start the text on the line after the role.
     */
    public String answerLead() {
        return family == Family.SMOLVLM ? " " : "";
    }

    /** The special token that closes the assistant's turn in this format: what the model emits when its answer is done. */
    public String endOfTurn() {
        return switch (family) {
            case SMOLVLM -> "<end_of_utterance>";
            case CHATML -> "<|im_end|>";
            case YOUTU_VL -> "<|end_of_text|>";
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    @Override
    public String toString() {
        return "ChatFormat[" + family + "]";
    }
}
