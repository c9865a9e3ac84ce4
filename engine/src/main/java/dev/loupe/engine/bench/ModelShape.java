package dev.loupe.engine.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shapes of a real vision-language model, for random-weight models that benchmark like
 * the real thing. Hyper-parameters are the published ones (HF config.json of each model).
 */
public enum ModelShape {
    /** SmolVLM-256M-Instruct: SmolLM2-135M-style llama text model, SigLIP-B/16-512 idefics3 tower. */
    SMOLVLM_256M("smolvlm-256m",
            new Text("llama", 576, 30, 9, 3, 1536, 49280, 100000f, 1e-5f, 8192),
            new Vision("idefics3", 512, 16, 768, 12, 12, 3072, 4, 2048, 1e-6f));

    /** Text decoder hyper-parameters. */
    public record Text(String arch, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nVocab,
                       float ropeBase, float rmsEps, int contextLength) {
        public int headDim() { return nEmbd / nHead; }
    }

    /** Vision tower hyper-parameters. */
    public record Vision(String projector, int imageSize, int patchSize, int nEmbd, int nLayer, int nHead, int nFf,
                         int scaleFactor, int longestEdge, float eps) {}

    public final String id;
    public final Text text;
    public final Vision vision;

    ModelShape(String id, Text text, Vision vision) {
        this.id = id;
        this.text = text;
        this.vision = vision;
    }

    public static ModelShape parse(String id) {
        for (ModelShape s : values()) if (s.id.equals(id.toLowerCase(Locale.ROOT))) return s;
        throw new IllegalArgumentException("unknown model shape '" + id + "'; known: "
                + Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", ")));
    }
}
