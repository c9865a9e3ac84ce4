package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.tensor.TensorReader;
import dev.loupe.engine.tensor.WeightMatrix;

/**
 * The tensors of a llama decoder, as views into the mapped file. Norm weights (small, read
 * every token) are copied to float arrays; matrices stay in place.
 */
public final class LlamaWeights {
    public final WeightMatrix tokenEmbedding;
    public final Layer[] layers;
    public final float[] outputNorm;
    public final WeightMatrix output;

    /** One block; {@code qNorm} / {@code kNorm} (per-head RMSNorm weights, Qwen3) are null when absent. */
    public record Layer(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, float[] qNorm, float[] kNorm,
                        WeightMatrix wo, float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    public LlamaWeights(GgufFile f, LlamaConfig c) {
        TensorReader r = new TensorReader(f);
        tokenEmbedding = r.matrix("token_embd.weight", c.nEmbd(), c.nVocab());
        layers = new Layer[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            String b = "blk." + l + ".";
            layers[l] = new Layer(
                    r.vector(b + "attn_norm.weight", c.nEmbd()),
                    r.matrix(b + "attn_q.weight", c.nEmbd(), c.qDim()),
                    r.matrix(b + "attn_k.weight", c.nEmbd(), c.kvDim()),
                    r.matrix(b + "attn_v.weight", c.nEmbd(), c.kvDim()),
                    r.optionalVector(b + "attn_q_norm.weight", c.headDim()),
                    r.optionalVector(b + "attn_k_norm.weight", c.headDim()),
                    r.matrix(b + "attn_output.weight", c.qDim(), c.nEmbd()),
                    r.vector(b + "ffn_norm.weight", c.nEmbd()),
                    r.matrix(b + "ffn_gate.weight", c.nEmbd(), c.nFf()),
                    r.matrix(b + "ffn_up.weight", c.nEmbd(), c.nFf()),
                    r.matrix(b + "ffn_down.weight", c.nFf(), c.nEmbd()));
        }
        outputNorm = r.vector("output_norm.weight", c.nEmbd());
        // No output.weight means the output projection is tied to the token embedding.
        output = r.has("output.weight") ? r.matrix("output.weight", c.nEmbd(), c.nVocab()) : tokenEmbedding;
    }

    /**
     * Every matrix a decode step multiplies: the layers' and the output head (for a 4B model's
     * 151936-token vocabulary the head is a tenth of a step's weights). The token embedding
     * only when it is the head too (tied): lookups read single rows.
     */
    java.util.List<WeightMatrix> productMatrices() {
        java.util.List<WeightMatrix> out = new java.util.ArrayList<>();
        for (Layer w : layers) out.addAll(java.util.List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(), w.down()));
        out.add(output);
        return out;
    }
}
