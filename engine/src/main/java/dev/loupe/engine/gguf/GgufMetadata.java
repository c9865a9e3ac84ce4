package dev.loupe.engine.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed access to a GGUF file's key/value metadata. Integer keys accept any integer width,
 * as llama.cpp does; a missing or mistyped required key is an error naming file and key.
 */
public final class GgufMetadata {
    private final Path file;
    private final Map<String, GgufValue> values;

    public GgufMetadata(Path file, Map<String, GgufValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String string(String key) {
        return (String) require(key, GgufValueType.STRING).value();
    }

    public Optional<String> optString(String key) {
        return present(key, GgufValueType.STRING).map(v -> (String) v.value());
    }

    public long integer(String key) {
        GgufValue v = required(key);
        if (!v.type().isInteger()) throw wrongType(key, v, "an integer");
        return (Long) v.value();
    }

    public long integer(String key, long fallback) {
        return has(key) ? integer(key) : fallback;
    }

    public int int32(String key) {
        return Math.toIntExact(integer(key));
    }

    public int int32(String key, int fallback) {
        return has(key) ? int32(key) : fallback;
    }

    public float float32(String key) {
        GgufValue v = required(key);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> throw wrongType(key, v, "a float");
        };
    }

    public float float32(String key, float fallback) {
        return has(key) ? float32(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        return present(key, GgufValueType.BOOL).map(v -> (Boolean) v.value()).orElse(fallback);
    }

    public GgufArray array(String key) {
        return (GgufArray) require(key, GgufValueType.ARRAY).value();
    }

    public Optional<GgufArray> optArray(String key) {
        return present(key, GgufValueType.ARRAY).map(v -> (GgufArray) v.value());
    }

    @SuppressWarnings("unchecked")
    public List<String> strings(String key) {
        GgufArray a = array(key);
        if (a.elementType() != GgufValueType.STRING) throw new GgufFormatException(file, "key " + key + " is an array of " + a.elementType() + ", expected strings");
        return (List<String>) (List<?>) a.elements();
    }

    public int[] ints(String key) {
        GgufArray a = array(key);
        if (!a.elementType().isInteger()) throw new GgufFormatException(file, "key " + key + " is an array of " + a.elementType() + ", expected integers");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact((Long) a.elements().get(i));
        return out;
    }

    public float[] floats(String key) {
        GgufArray a = array(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            Object e = a.elements().get(i);
            if (e instanceof Float f) out[i] = f;
            else if (e instanceof Double d) out[i] = (float) (double) d;
            else throw new GgufFormatException(file, "key " + key + " is an array of " + a.elementType() + ", expected floats");
        }
        return out;
    }

    public boolean[] bools(String key) {
        GgufArray a = array(key);
        boolean[] out = new boolean[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = Boolean.TRUE.equals(a.elements().get(i));
        return out;
    }

    private Optional<GgufValue> present(String key, GgufValueType type) {
        GgufValue v = values.get(key);
        if (v == null) return Optional.empty();
        if (v.type() != type) throw wrongType(key, v, type.name());
        return Optional.of(v);
    }

    private GgufValue require(String key, GgufValueType type) {
        GgufValue v = required(key);
        if (v.type() != type) throw wrongType(key, v, type.name());
        return v;
    }

    private GgufValue required(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw new GgufFormatException(file, "missing required metadata key " + key);
        return v;
    }

    private GgufFormatException wrongType(String key, GgufValue v, String expected) {
        return new GgufFormatException(file, "metadata key " + key + " has type " + v.type() + ", expected " + expected);
    }
}
