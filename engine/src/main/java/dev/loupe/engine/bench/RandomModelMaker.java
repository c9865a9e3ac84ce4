package dev.loupe.engine.bench;

import dev.loupe.engine.bench.RandomModelLayout.TextShape;
import dev.loupe.engine.bench.RandomModelLayout.VisionShape;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a random-weight model at a real model's shapes — text GGUF and mmproj GGUF — so that
 * benchmarks need no downloads. The files follow llama.cpp's converters (names, types, keys) as
 * each family's {@link RandomModelLayout} describes them, so llama.cpp loads them too. The text is
 * gibberish; speed is what they are for.
 */
public final class RandomModelMaker {
    private final ModelShape shape;
    private final RandomModelLayout layout;
    private final GgmlType textType;
    private final GgmlType visionType;
    private final long seed;

    public RandomModelMaker(ModelShape shape, GgmlType textType, GgmlType visionType, long seed) {
        this(shape, shape.layout, textType, visionType, seed);
    }

    RandomModelMaker(ModelShape shape, RandomModelLayout layout, GgmlType textType, GgmlType visionType, long seed) {
        for (GgmlType t : List.of(textType, visionType)) {
            if (!WeightEncoder.supports(t)) throw new IllegalArgumentException("make-model cannot write " + t + " weights yet (F32, F16, BF16, Q8_0)");
        }
        this.shape = shape;
        this.layout = layout;
        this.textType = textType;
        this.visionType = visionType;
        this.seed = seed;
    }

    /** Where the mmproj goes for a text model path: {@code X.gguf} becomes {@code X-mmproj.gguf}. */
    public static Path mmprojPathFor(Path text) {
        String name = text.getFileName().toString();
        String base = name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
        return text.resolveSibling(base + "-mmproj.gguf");
    }

    /** Writes the text model, and the mmproj unless the shape is a text-only model's ({@link #writesMmproj}). */
    public void write(Path text, Path mmproj) {
        textModel().write(text);
        if (writesMmproj()) visionModel().write(mmproj);
    }

    public boolean writesMmproj() {
        return layout.hasMmproj();
    }

    GgufWriter textModel() {
        TextShape t = layout.text();
        String a = t.arch() + ".";
        GgufWriter w = described(new GgufWriter(), t.arch(), "model", shape.id, textType)
                .put(a + "context_length", GgufValue.ofUInt32(t.contextLength()))
                .put(a + "embedding_length", GgufValue.ofUInt32(t.nEmbd()))
                .put(a + "block_count", GgufValue.ofUInt32(t.nLayer()))
                .put(a + "feed_forward_length", GgufValue.ofUInt32(t.nFf()))
                .put(a + "attention.head_count", GgufValue.ofUInt32(t.nHead()))
                .put(a + "attention.head_count_kv", GgufValue.ofUInt32(t.nHeadKv()))
                .put(a + "rope.freq_base", GgufValue.ofFloat32(t.ropeBase()))
                .put(a + "attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(t.rmsEps()))
                .put(a + "vocab_size", GgufValue.ofUInt32(t.nVocab()));
        layout.putTextKeys(w);
        w.put("general.quantization_version", GgufValue.ofUInt32(2));
        layout.addTextTensors(new RandomTensors(w, textType, seed));
        return w;
    }

    GgufWriter visionModel() {
        VisionShape v = layout.vision();
        GgufWriter w = described(new GgufWriter(), "clip", "mmproj", shape.id + "-mmproj", visionType)
                .put("clip.has_vision_encoder", GgufValue.ofBool(true))
                .put("clip.projector_type", GgufValue.ofString(v.projector()))
                .put("clip.use_gelu", GgufValue.ofBool(true))
                .put("clip.vision.projection_dim", GgufValue.ofUInt32(layout.text().nEmbd()))
                .put("clip.vision.image_size", GgufValue.ofUInt32(v.imageSize()))
                .put("clip.vision.patch_size", GgufValue.ofUInt32(v.patchSize()))
                .put("clip.vision.embedding_length", GgufValue.ofUInt32(v.nEmbd()))
                .put("clip.vision.feed_forward_length", GgufValue.ofUInt32(v.nFf()))
                .put("clip.vision.block_count", GgufValue.ofUInt32(v.nLayer()))
                .put("clip.vision.attention.head_count", GgufValue.ofUInt32(v.nHead()))
                .put("clip.vision.attention.layer_norm_epsilon", GgufValue.ofFloat32(v.eps()))
                .put("clip.vision.image_mean", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)))
                .put("clip.vision.image_std", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)));
        layout.putVisionKeys(w);
        layout.addVisionTensors(new RandomTensors(w, visionType, seed));
        return w;
    }

    private static GgufWriter described(GgufWriter w, String arch, String type, String name, GgmlType weights) {
        return w.put("general.architecture", GgufValue.ofString(arch))
                .put("general.type", GgufValue.ofString(type))
                .put("general.name", GgufValue.ofString("loupe-random-" + name))
                .put("general.description", GgufValue.ofString(
                        "Random weights at the shapes of " + name + " (loupe make-model): not a trained model"))
                .put("general.file_type", GgufValue.ofUInt32(fileType(weights)));
    }

    /** llama_ftype of a file whose weights are all {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
