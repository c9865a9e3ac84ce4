package dev.loupe.engine.text;

/** The token types a GGUF vocabulary stores in {@code tokenizer.ggml.token_type}, by their on-disk ids. */
public enum TokenType {
    UNDEFINED(0), NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    public final int id;

    TokenType(int id) {
        this.id = id;
    }

    /** The type with this id; ids llama.cpp does not know are read as UNDEFINED, as it does. */
    public static TokenType byId(long id) {
        for (TokenType t : values()) if (t.id == id) return t;
        return UNDEFINED;
    }
}
