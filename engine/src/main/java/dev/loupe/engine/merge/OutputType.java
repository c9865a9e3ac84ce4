package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.util.Locale;

/** The weight type merged tensors are written in ({@code --type}); kept tensors are copied byte for byte. */
public enum OutputType {
    F32(GgmlType.F32), F16(GgmlType.F16), BF16(GgmlType.BF16), Q8_0(GgmlType.Q8_0),
    /** Each merged tensor in its type in the vision model (F32, F16, BF16 or Q8_0 there). */
    SAME(null);

    private final GgmlType type;

    OutputType(GgmlType type) {
        this.type = type;
    }

    public static OutputType parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --type '" + s + "': use F16, BF16, Q8_0, F32 or same");
        }
    }

    /**
     * The type of a merged tensor. Block types need whole blocks per row: a row whose length is no
     * multiple of 32 falls back to F16 under Q8_0, as llama.cpp's converters do.
     */
    public GgmlType typeFor(GgufTensor vision) {
        GgmlType t = this == SAME ? vision.type() : type;
        if (!WeightEncoder.supports(t)) {
            throw new IllegalArgumentException("--type same: tensor " + vision.name() + " is " + t
                    + " in the vision model, which merge cannot write (it writes F32, F16, BF16, Q8_0): choose one with --type");
        }
        return vision.cols() % t.blockSize == 0 ? t : GgmlType.F16;
    }

    /** llama_ftype for general.file_type, or -1 for SAME (the vision model's value stays). */
    public int fileType() {
        return switch (this) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            case SAME -> -1;
        };
    }
}
