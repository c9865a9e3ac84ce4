/**
 * Text side of a prompt, reproducing llama.cpp token for token.
 *
 * <p>{@link dev.loupe.engine.text.Vocabulary} reads a GGUF's byte-level BPE vocabulary and applies
 * llama.cpp's load-time rules (special ids, end-of-generation set). {@link dev.loupe.engine.text.ChatFormat}
 * writes a one-turn prompt in the format of the GGUF's chat template. {@link dev.loupe.engine.text.BpeTokenizer}
 * turns it into ids: special tokens out first, then {@link dev.loupe.engine.text.PreTokenizer} words, then
 * BPE merges per word. {@link dev.loupe.engine.text.TokenDecoder} turns generated ids back into text.
 *
 * <p>The ground truth is llama.cpp's {@code llama_tokenize} on the oracle models (tests under
 * {@code src/test/java/dev/loupe/engine/text}); where llama.cpp's behaviour is an accident (hash-map
 * order, Unicode table version), the class comment says what Loupe does instead.
 */
package dev.loupe.engine.text;
