package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.kernels.Kernels;

/**
 * The checks made before any tensor is merged, so that a wrong pair of files fails in
 * milliseconds, not after an hour of SVDs: something pairs, and every merged tensor can be
 * written in the output type.
 */
public final class MergePlan {
    private MergePlan() {}

    public static TensorPairing check(GgufFile vision, GgufFile text, OutputType output) {
        TensorPairing pairing = TensorPairing.of(vision, text);
        if (pairing.merged().isEmpty()) {
            throw new GgufFormatException(text.path(), "no tensor of it pairs with a text tensor of " + vision.path()
                    + " (same name, same shape, at least 2-D, not an embedding or output): "
                    + architecture(text) + " and " + architecture(vision) + " are not a text model and a vision model of one family");
        }
        for (TensorPairing.Pair p : pairing.merged()) {
            output.typeFor(p.vision());
            for (var t : java.util.List.of(p.vision(), p.text())) {
                if (!Kernels.supports(t.type())) {
                    throw new IllegalArgumentException("tensor " + t.name() + " is " + t.type() + ", which Loupe cannot dequantize (it reads "
                            + Kernels.supported() + ")");
                }
            }
        }
        return pairing;
    }

    static String architecture(GgufFile f) {
        return f.metadata().optString("general.architecture").orElse("(no general.architecture)");
    }
}
