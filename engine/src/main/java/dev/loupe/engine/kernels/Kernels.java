package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/** The kernel of each supported weight type. */
public final class Kernels {
    private static final Map<GgmlType, WeightKernel> BY_TYPE = new EnumMap<>(GgmlType.class);
    static {
        register(new F32Kernel());
        register(new HalfFloatKernel.F16());
        register(new HalfFloatKernel.BF16());
        register(new Q8_0Kernel());
        register(new BlockFormats.Q4_0());
        register(new BlockFormats.Q4_1());
        register(new BlockFormats.Q5_0());
        register(new BlockFormats.Q5_1());
        register(new BlockFormats.IQ4_NL());
        register(new SuperBlockFormats.Q2_K());
        register(new SuperBlockFormats.Q3_K());
        register(new SuperBlockFormats.Q4_K());
        register(new SuperBlockFormats.Q5_K());
        register(new SuperBlockFormats.Q6_K());
        register(new SuperBlockFormats.IQ4_XS());
    }

    private Kernels() {}

    private static void register(WeightKernel k) {
        BY_TYPE.put(k.type(), k);
    }

    public static boolean supports(GgmlType type) {
        return BY_TYPE.containsKey(type);
    }

    public static Set<GgmlType> supported() {
        return BY_TYPE.keySet();
    }

    /**
     * The kernel for a {@code rows}-row matrix of {@code type}, as llama.cpp's CPU backend would
     * compute it (see {@link WeightKernel#forMatrix}).
     */
    public static WeightKernel forMatrix(GgmlType type, String tensorName, int rows) {
        return forType(type, tensorName).forMatrix(rows);
    }

    /** The kernel for {@code type}; an error naming the type (and the tensor) when there is none. */
    public static WeightKernel forType(GgmlType type, String tensorName) {
        WeightKernel k = BY_TYPE.get(type);
        if (k == null) {
            throw new UnsupportedOperationException("tensor " + tensorName + " has type " + type
                    + ", which Loupe cannot compute with yet (supported: " + BY_TYPE.keySet() + ")");
        }
        return k;
    }
}
