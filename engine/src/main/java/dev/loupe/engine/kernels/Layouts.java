package dev.loupe.engine.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian, unaligned element layouts for reading GGUF data, and fp16/bf16 helpers. */
public final class Layouts {
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Layouts() {}

    public static float f16(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(I16, offset));
    }

    /** Rounds to fp16 precision (round to nearest even), returned as a float. */
    public static float roundF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
    public static short floatToBf16(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    public static float roundBf16(float x) {
        return bf16ToFloat(floatToBf16(x));
    }
}
