package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufMetadata;

/**
 * Hyper-parameters of a {@code deepseek2} decoder with multi-head latent attention, as
 * llama.cpp reads them from the {@code deepseek2.*} keys: the dense form Youtu-VL's text model
 * uses (every layer a SwiGLU feed-forward, no mixture of experts, no YaRN), its attention in
 * absorbed form (a GGUF with per-head {@code attn_k_b} / {@code attn_v_b}).
 *
 * @param nEmbd        residual width
 * @param nLayer       number of blocks
 * @param nHead        attention heads
 * @param qLoraRank    width of the query's low-rank bottleneck ({@code attn_q_a} / {@code attn_q_b}); 0 when the
 *                     model projects queries directly ({@code attn_q})
 * @param kvLoraRank   width of the compressed key/value latent (what the cache keeps, with the RoPE key)
 * @param qkNopeDims   per-head query/key dimensions without RoPE
 * @param ropeDims     per-head query dimensions with RoPE, and the width of the RoPE key shared by all heads
 * @param vHeadDims    per-head value width after the latent's up-projection
 * @param nFf          feed-forward width
 * @param nVocab       vocabulary size
 * @param ropeBase     RoPE frequency base
 * @param rmsEps       RMSNorm epsilon
 * @param contextTrain context length the model was trained with
 */
public record Deepseek2Config(int nEmbd, int nLayer, int nHead, int qLoraRank, int kvLoraRank, int qkNopeDims, int ropeDims,
                              int vHeadDims, int nFf, int nVocab, float ropeBase, float rmsEps, int contextTrain) {
    public static final String ARCHITECTURE = "deepseek2";
    private static final String P = ARCHITECTURE + ".";

    public static Deepseek2Config from(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.string("general.architecture");
        if (!arch.equals(ARCHITECTURE)) {
            throw new GgufFormatException(file.path(), "general.architecture is '" + arch + "', expected " + ARCHITECTURE);
        }
        int nLayer = m.int32(P + "block_count");
        int experts = m.int32(P + "expert_count", 0);
        int dense = m.int32(P + "leading_dense_block_count", nLayer);
        if (experts > 0 && dense < nLayer) {
            throw new UnsupportedOperationException(file.path() + ": deepseek2 with mixture-of-experts layers (" + experts
                    + " experts from layer " + dense + ") is not supported; Loupe runs the dense deepseek2 of Youtu-VL");
        }
        String scaling = m.optString(P + "rope.scaling.type").orElse("none");
        if (!scaling.equals("none")) {
            throw new UnsupportedOperationException(file.path() + ": " + P + "rope.scaling.type '" + scaling + "' is not supported yet");
        }
        int ropeDims = m.int32(P + "rope.dimension_count");
        if (!m.has(P + "attention.key_length_mla") || !file.hasTensor("blk.0.attn_k_b.weight")) {
            throw new GgufFormatException(file.path(), "deepseek2 without the absorbed MLA tensors (" + P + "attention.key_length_mla, "
                    + "blk.N.attn_k_b/attn_v_b): convert the model with a current convert_hf_to_gguf.py");
        }
        int keyLength = m.int32(P + "attention.key_length_mla");
        Deepseek2Config c = new Deepseek2Config(
                m.int32(P + "embedding_length"),
                nLayer,
                m.int32(P + "attention.head_count"),
                m.int32(P + "attention.q_lora_rank", 0),
                m.int32(P + "attention.kv_lora_rank"),
                keyLength - ropeDims,
                ropeDims,
                m.int32(P + "attention.value_length_mla"),
                m.int32(P + "feed_forward_length"),
                Math.toIntExact(file.tensor("token_embd.weight").rows()),
                m.float32(P + "rope.freq_base", 10000f),
                m.float32(P + "attention.layer_norm_rms_epsilon"),
                m.int32(P + "context_length", 4096));
        int kvHeads = m.int32(P + "attention.head_count_kv", 1);
        if (kvHeads != 1 || m.int32(P + "attention.key_length", c.latentWidth()) != c.latentWidth()) {
            throw new GgufFormatException(file.path(), "MLA stores one latent key of kv_lora_rank + rope dims (" + c.latentWidth()
                    + ") per position, but head_count_kv is " + kvHeads + " and key_length " + m.int32(P + "attention.key_length", -1));
        }
        return c;
    }

    /** Per-head query/key width of the model's own (non-absorbed) attention: its softmax scale is 1/sqrt of it. */
    public int qkHeadDims() {
        return qkNopeDims + ropeDims;
    }

    /** One cached row per position and layer: the normalised latent, then the roped key. */
    public int latentWidth() {
        return kvLoraRank + ropeDims;
    }

    /**
     * llama.cpp's {@code kq_scale} without YaRN, {@code 1.0f / sqrtf(n_embd_head_k)}, in float
     * as C computes it. The head width is the model's own 192 (nope + rope), not the 576 the
     * absorbed queries have.
     */
    public float attentionScale() {
        return 1.0f / (float) Math.sqrt((float) qkHeadDims());
    }

    public Rope rope() {
        return Rope.norm(ropeDims, ropeBase);
    }
}
