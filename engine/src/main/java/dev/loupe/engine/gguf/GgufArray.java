package dev.loupe.engine.gguf;

import java.util.List;

/**
 * A metadata array: its element type and its elements. Integers are held as {@link Long},
 * f32 as {@link Float}, f64 as {@link Double}, bools as {@link Boolean}, strings as
 * {@link String} and nested arrays as {@code GgufArray}.
 */
public record GgufArray(GgufValueType elementType, List<Object> elements) {
    public int size() {
        return elements.size();
    }
}
