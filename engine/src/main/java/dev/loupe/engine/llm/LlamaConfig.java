package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;

/**
 * Hyper-parameters of a llama-architecture decoder, read from {@code llama.*} GGUF keys.
 *
 * @param nEmbd        residual width
 * @param nLayer       number of blocks
 * @param nHead        query heads
 * @param nHeadKv      key/value heads (grouped-query attention)
 * @param headDim      width of one head
 * @param nFf          feed-forward width
 * @param nVocab       vocabulary size (rows of the output matrix)
 * @param ropeDims     dimensions rotated by RoPE (the rest pass through)
 * @param ropeBase     RoPE frequency base
 * @param rmsEps       RMSNorm epsilon
 * @param contextTrain context length the model was trained with
 */
public record LlamaConfig(int nEmbd, int nLayer, int nHead, int nHeadKv, int headDim, int nFf, int nVocab,
                          int ropeDims, float ropeBase, float rmsEps, int contextTrain) {

    public static LlamaConfig from(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.string("general.architecture");
        if (!arch.equals("llama")) {
            throw new GgufFormatException(file.path(), "general.architecture is '" + arch + "', expected 'llama'");
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
        return new LlamaConfig(
                nEmbd,
                m.int32(p + "block_count"),
                nHead,
                nHeadKv,
                headDim,
                m.int32(p + "feed_forward_length"),
                nVocab,
                m.int32(p + "rope.dimension_count", headDim),
                m.float32(p + "rope.freq_base", 10000f),
                m.float32(p + "attention.layer_norm_rms_epsilon"),
                m.int32(p + "context_length", 4096));
    }

    public int qDim() { return nHead * headDim; }
    public int kvDim() { return nHeadKv * headDim; }
}
