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
