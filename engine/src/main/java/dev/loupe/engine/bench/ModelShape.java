package dev.loupe.engine.bench;

import dev.loupe.engine.bench.RandomModelLayout.TextShape;
import dev.loupe.engine.bench.RandomModelLayout.VisionShape;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shapes of real vision-language models (and of the text model a merge pairs with one), for
 * random-weight models that benchmark like the real thing. Hyper-parameters are the published ones (each model's HF config.json, as the specs
 * in shared/specs quote them).
 */
public enum ModelShape {
    /** SmolVLM-256M-Instruct: SmolLM2-135M-style llama text model, SigLIP-B/16-512 idefics3 tower. */
    SMOLVLM_256M("smolvlm-256m", new SmolVlmLayout(
            new TextShape("llama", 576, 30, 9, 3, 1536, 49280, 100000f, 1e-5f, 8192),
            new VisionShape("idefics3", 512, 16, 768, 12, 12, 3072, 1e-6f),
            4, 2048)),
    /** Qwen3-VL-4B-Instruct: Qwen3-4B text (tied), 24-layer ViT with DeepStack at layers 5, 11, 17. */
    QWEN3VL_4B("qwen3vl-4b", new Qwen3VlLayout(
            new TextShape("qwen3vl", 2560, 36, 32, 8, 9728, 151936, 5000000f, 1e-6f, 262144),
            // image_size 768: the 48x48 learned position table times the 16-px patch.
            new VisionShape("qwen3vl_merger", 768, 16, 1024, 24, 16, 4096, 1e-6f),
            128, List.of(24, 20, 20, 0), List.of(5, 11, 17), 2)),
    /**
     * Qwen3-4B: the text-only model whose tensors Qwen3-VL-4B's text model has (same names and
     * shapes), for {@code loupe merge}; no mmproj. Context and RoPE base are Qwen3-4B's own.
     */
    QWEN3_4B("qwen3-4b", new Qwen3Layout(
            new TextShape("qwen3", 2560, 36, 32, 8, 9728, 151936, 1000000f, 1e-6f, 40960), 128)),
    /** Youtu-VL-4B-Instruct: 40-layer deepseek2 (MLA, dense) text, SigLIP2-so400m youtuvl tower. */
    YOUTUVL_4B("youtuvl-4b", new YoutuVlLayout(
            new TextShape("deepseek2", 2560, 40, 32, 1, 9728, 283386, 500000f, 1e-6f, 32768),
            new VisionShape("youtuvl", 560, 16, 1152, 27, 16, 4304, 1e-6f),
            1536, 512, 128, 64, 128, 2, 256, List.of(7, 15, 23, 26)));

    public final String id;
    final RandomModelLayout layout;

    ModelShape(String id, RandomModelLayout layout) {
        this.id = id;
        this.layout = layout;
    }

    public static ModelShape parse(String id) {
        for (ModelShape s : values()) if (s.id.equals(id.toLowerCase(Locale.ROOT))) return s;
        throw new IllegalArgumentException("unknown model shape '" + id + "'; known: " + known());
    }

    public static String known() {
        return Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", "));
    }
}
