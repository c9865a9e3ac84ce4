package dev.loupe.engine.vlm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;

/** A text model on its own: one user message formatted with the model's chat template, then generation. */
public final class TextChat {
    private final BpeTokenizer tokenizer;
    private final ChatFormat chat;
    private final TextDecoder decoder;
    private final Generator generator;

    public TextChat(GgufFile file, ComputePool pool, Numerics numerics) {
        this.tokenizer = BpeTokenizer.load(file);
        this.chat = ChatFormat.detect(file.metadata(), file.path());
        this.decoder = TextDecoders.open(file, pool, numerics);
        this.generator = new Generator(decoder, tokenizer);
    }

    public Generation generate(String userText, GenerationSettings settings) {
        return generator.generate(new PromptBuilder(tokenizer).text(chat.userPrompt(userText)).build(), settings);
    }

    public BpeTokenizer tokenizer() {
        return tokenizer;
    }
}
