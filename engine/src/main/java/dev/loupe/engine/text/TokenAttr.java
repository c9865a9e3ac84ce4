package dev.loupe.engine.text;

/**
 * Per-token attribute bits, as llama.cpp keeps them. They start from the GGUF token type but
 * are then adjusted by llama.cpp's load-time rules (an end-of-generation token that is not
 * CONTROL gets the CONTROL bit added, so it becomes a special token). Tokenization and
 * rendering look at these bits, never at the raw type.
 */
final class TokenAttr {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;

    /** Tokens split out of the text before pre-tokenization. */
    static final int SPECIAL = CONTROL | USER_DEFINED | UNKNOWN;
    /** Tokens that are only matched with parse_special and only rendered when asked for. */
    static final int HIDDEN = CONTROL | UNKNOWN;

    private TokenAttr() {}

    static int of(TokenType type) {
        return switch (type) {
            case UNDEFINED -> UNDEFINED;
            case NORMAL -> NORMAL;
            case UNKNOWN -> UNKNOWN;
            case CONTROL -> CONTROL;
            case USER_DEFINED -> USER_DEFINED;
            case UNUSED -> UNUSED;
            case BYTE -> BYTE;
        };
    }
}
