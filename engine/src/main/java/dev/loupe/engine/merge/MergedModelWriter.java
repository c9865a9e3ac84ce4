package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;

/**
 * Lays out the merged GGUF: the vision model's metadata (architecture, hyper-parameters,
 * tokenizer, chat template) and its tensors in its order, kept tensors copied byte for byte from
 * its mapping and merged ones from a {@link MergedSource}. Only {@code general.file_type} changes,
 * to the output type's (unless {@code --type same}). Whoever computes the merged tensors — the
 * CLI as it writes, or a Spark job from its per-tensor results — gets the same file.
 */
public final class MergedModelWriter {
    /** The bytes of each merged tensor, in the type {@link OutputType#typeFor} gives it. */
    @FunctionalInterface
    public interface MergedSource {
        GgufWriter.TensorBytes bytesOf(TensorPairing.Pair pair);
    }

    private MergedModelWriter() {}

    public static GgufWriter layout(GgufFile vision, TensorPairing pairing, OutputType output, MergedSource merged) {
        GgufWriter w = new GgufWriter();
        w.putAll(vision.metadata().asMap());
        if (output.fileType() >= 0) w.put("general.file_type", GgufValue.ofUInt32(output.fileType()));
        for (TensorPairing.Pair p : pairing.pairs()) {
            if (p.action() == TensorPairing.Action.MERGE) {
                w.addTensor(p.name(), output.typeFor(p.vision()), p.vision().ne(), merged.bytesOf(p));
            } else {
                w.addTensor(p.name(), p.vision().type(), p.vision().ne(), p.vision().data());
            }
        }
        return w;
    }
}
