package dev.loupe.engine.gguf;

/**
 * One metadata value as stored in the file: the type is kept so that a file read and written
 * again is byte-identical. Java representation as in {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public static GgufValue ofString(String s) { return new GgufValue(GgufValueType.STRING, s); }
    public static GgufValue ofUInt32(long v) { return new GgufValue(GgufValueType.UINT32, v); }
    public static GgufValue ofInt32(long v) { return new GgufValue(GgufValueType.INT32, v); }
    public static GgufValue ofUInt64(long v) { return new GgufValue(GgufValueType.UINT64, v); }
    public static GgufValue ofFloat32(float v) { return new GgufValue(GgufValueType.FLOAT32, v); }
    public static GgufValue ofBool(boolean v) { return new GgufValue(GgufValueType.BOOL, v); }
    public static GgufValue ofArray(GgufValueType elementType, java.util.List<?> elements) {
        return new GgufValue(GgufValueType.ARRAY, new GgufArray(elementType, java.util.List.copyOf(elements)));
    }
}
