package dev.loupe.engine.text;

/**
 * One step of a pre-tokenizer: cuts each piece produced by the previous step into smaller
 * consecutive pieces covering it exactly (llama.cpp keeps the text between regex matches as
 * pieces of its own).
 */
interface SplitRule {
    /** Splits the pieces of {@code text} whose code point lengths are {@code pieces}; returns the new lengths. */
    IntList split(CodepointText text, IntList pieces);
}
