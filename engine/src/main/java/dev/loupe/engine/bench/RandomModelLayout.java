package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufWriter;

/**
 * One model family's GGUF layout as llama.cpp's converter writes it: the keys and tensors of the
 * text model and of the mmproj beyond the common ones {@link RandomModelMaker} writes.
 */
sealed interface RandomModelLayout permits SmolVlmLayout, Qwen3VlLayout, Qwen3Layout, YoutuVlLayout {
    /** Text decoder hyper-parameters common to the families ({@code {arch}.*} keys). */
    record TextShape(String arch, int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nVocab,
                     float ropeBase, float rmsEps, int contextLength) {}

    /** Vision tower hyper-parameters common to the families ({@code clip.vision.*} keys). */
    record VisionShape(String projector, int imageSize, int patchSize, int nEmbd, int nLayer, int nHead, int nFf, float eps) {}

    TextShape text();

    /** The vision tower: only when {@link #hasMmproj}. */
    VisionShape vision();

    /** False for a text-only model (the text side of a merge pair): no mmproj is written. */
    default boolean hasMmproj() {
        return true;
    }

    /** Family keys of the text model (architecture-prefixed) and its tokenizer. */
    void putTextKeys(GgufWriter w);

    void addTextTensors(RandomTensors t);

    /** Family keys of the mmproj ({@code clip.vision.*} beyond the common ones). */
    void putVisionKeys(GgufWriter w);

    void addVisionTensors(RandomTensors t);
}
