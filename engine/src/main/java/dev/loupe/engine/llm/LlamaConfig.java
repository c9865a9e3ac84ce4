package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of a llama-style decoder, read from the {@code {arch}.*} GGUF keys of the
 * architectures that share its graph: {@code llama} (SmolLM2 / SmolVLM) and {@code qwen3vl}
 * (Qwen3-VL's text model: adds per-head q/k RMSNorm and interleaved M-RoPE, spec §3.6).
 *
 * @param arch         general.architecture
 * @param nEmbd        residual width
 * @param nLayer       number of blocks
 * @param nHead        query heads
 * @param nHeadKv      key/value heads (grouped-query attention)
 * @param headDim      width of one head (Qwen3's is not nEmbd / nHead)
 * @param nFf          feed-forward width
 * @param nVocab       vocabulary size (rows of the output matrix)
 * @param ropeDims     dimensions rotated by RoPE (the rest pass through)
 * @param ropeBase     RoPE frequency base
 * @param ropeMode     how pairs are formed and angles chosen
 * @param ropeSections IMROPE pairs per position component (t, h, w, e); empty otherwise
 * @param rmsEps       RMSNorm epsilon
 * @param contextTrain context length the model was trained with
 * @param deepstackLayers Qwen3-VL: how many of the first layers add a DeepStack slice of an image
 *                     token's input (its input rows are then {@code nEmbd * (1 + deepstackLayers)} wide); 0 otherwise
 */
public record LlamaConfig(String arch, int nEmbd, int nLayer, int nHead, int nHeadKv, int headDim, int nFf, int nVocab,
                          int ropeDims, float ropeBase, Rope.Mode ropeMode, List<Integer> ropeSections,
                          float rmsEps, int contextTrain, int deepstackLayers) {
    /** Architectures this graph runs. */
    public static final List<String> ARCHITECTURES = List.of("llama", "qwen3vl");

    public static LlamaConfig from(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.string("general.architecture");
        if (!ARCHITECTURES.contains(arch)) {
            throw new GgufFormatException(file.path(), "general.architecture is '" + arch + "', expected one of " + ARCHITECTURES);
        }
        String p = arch + ".";
        int nEmbd = m.int32(p + "embedding_length");
        int nHead = m.int32(p + "attention.head_count");
        int nHeadKv = m.int32(p + "attention.head_count_kv", nHead);
        int headDim = m.int32(p + "attention.key_length", nEmbd / nHead);
        int nVocab = Math.toIntExact(file.tensor("token_embd.weight").rows());
        if (nHead % nHeadKv != 0) {
            throw new GgufFormatException(file.path(), "head_count " + nHead + " is not a multiple of head_count_kv " + nHeadKv);
        }
        Rope.Mode mode = arch.equals("qwen3vl") ? Rope.Mode.IMROPE : Rope.Mode.NORM;
        List<Integer> sections = List.of();
        if (mode == Rope.Mode.IMROPE) {
            if (!m.has(p + "rope.dimension_sections")) {
                throw new GgufFormatException(file.path(), "missing " + p + "rope.dimension_sections (required by " + arch + ")");
            }
            sections = Arrays.stream(m.ints(p + "rope.dimension_sections")).boxed().toList();
        }
        return new LlamaConfig(
                arch,
                nEmbd,
                m.int32(p + "block_count"),
                nHead,
                nHeadKv,
                headDim,
                m.int32(p + "feed_forward_length"),
                nVocab,
                m.int32(p + "rope.dimension_count", headDim),
                m.float32(p + "rope.freq_base", 10000f),
                mode,
                sections,
                m.float32(p + "attention.layer_norm_rms_epsilon"),
                m.int32(p + "context_length", 4096),
                m.int32(p + "n_deepstack_layers", 0));
    }

    public int qDim() { return nHead * headDim; }
    public int kvDim() { return nHeadKv * headDim; }

    public Rope rope() {
        return switch (ropeMode) {
            case NORM -> Rope.norm(ropeDims, ropeBase);
            case NEOX -> Rope.neox(ropeDims, ropeBase);
            case IMROPE -> Rope.imrope(ropeDims, ropeBase, ropeSections.stream().mapToInt(Integer::intValue).toArray());
            case VISION -> throw new IllegalStateException("the vision RoPE is not a text model's");
        };
    }
}
