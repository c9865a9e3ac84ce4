package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.tensor.TensorReader;
import dev.loupe.engine.tensor.WeightMatrix;

/**
 * The tensors of a dense deepseek2 decoder with absorbed multi-head latent attention, as views
 * into the mapped file (norm weights copied to float arrays).
 */
final class Deepseek2Weights {
    final WeightMatrix tokenEmbedding;
    final Layer[] layers;
    final float[] outputNorm;
    final WeightMatrix output;

    /**
     * One block. Queries: {@code qA} (to the low-rank bottleneck), RMSNorm {@code qANorm},
     * {@code qB} (to every head's nope and rope parts); or {@code q} directly when the model
     * has no query bottleneck (the other three null). Keys and values: {@code kvA} to the
     * latent and the shared RoPE key, RMSNorm {@code kvANorm} of the latent; per head,
     * {@code kB[h]} maps the head's nope query into latent space (absorbed key up-projection)
     * and {@code vB[h]} maps the attended latent to the head's value.
     */
    record Layer(float[] attnNorm, WeightMatrix q, WeightMatrix qA, float[] qANorm, WeightMatrix qB, WeightMatrix kvA,
                 float[] kvANorm, WeightMatrix[] kB, WeightMatrix[] vB, WeightMatrix wo, float[] ffnNorm, WeightMatrix gate,
                 WeightMatrix up, WeightMatrix down) {}

    Deepseek2Weights(GgufFile f, Deepseek2Config c) {
        TensorReader r = new TensorReader(f);
        tokenEmbedding = r.matrix("token_embd.weight", c.nEmbd(), c.nVocab());
        layers = new Layer[c.nLayer()];
        int qWidth = c.nHead() * c.qkHeadDims();
        for (int l = 0; l < c.nLayer(); l++) {
            String b = "blk." + l + ".";
            boolean lowRankQuery = c.qLoraRank() > 0;
            layers[l] = new Layer(
                    r.vector(b + "attn_norm.weight", c.nEmbd()),
                    lowRankQuery ? null : r.matrix(b + "attn_q.weight", c.nEmbd(), qWidth),
                    lowRankQuery ? r.matrix(b + "attn_q_a.weight", c.nEmbd(), c.qLoraRank()) : null,
                    lowRankQuery ? r.vector(b + "attn_q_a_norm.weight", c.qLoraRank()) : null,
                    lowRankQuery ? r.matrix(b + "attn_q_b.weight", c.qLoraRank(), qWidth) : null,
                    r.matrix(b + "attn_kv_a_mqa.weight", c.nEmbd(), c.latentWidth()),
                    r.vector(b + "attn_kv_a_norm.weight", c.kvLoraRank()),
                    r.matrixStack(b + "attn_k_b.weight", c.qkNopeDims(), c.kvLoraRank(), c.nHead()),
                    r.matrixStack(b + "attn_v_b.weight", c.kvLoraRank(), c.vHeadDims(), c.nHead()),
                    r.matrix(b + "attn_output.weight", c.nHead() * c.vHeadDims(), c.nEmbd()),
                    r.vector(b + "ffn_norm.weight", c.nEmbd()),
                    r.matrix(b + "ffn_gate.weight", c.nEmbd(), c.nFf()),
                    r.matrix(b + "ffn_up.weight", c.nEmbd(), c.nFf()),
                    r.matrix(b + "ffn_down.weight", c.nFf(), c.nEmbd()));
        }
        outputNorm = r.vector("output_norm.weight", c.nEmbd());
        // No output.weight means the output projection is tied to the token embedding (Youtu-VL).
        output = r.has("output.weight") ? r.matrix("output.weight", c.nEmbd(), c.nVocab()) : tokenEmbedding;
    }

    /** Every matrix a decode step multiplies. */
    java.util.List<WeightMatrix> all() {
        java.util.List<WeightMatrix> out = new java.util.ArrayList<>();
        for (Layer w : layers) {
            for (WeightMatrix m : new WeightMatrix[] {w.q(), w.qA(), w.qB(), w.kvA(), w.wo(), w.gate(), w.up(), w.down()}) {
                if (m != null) out.add(m);
            }
            out.addAll(java.util.List.of(w.kB()));
            out.addAll(java.util.List.of(w.vB()));
        }
        out.add(output);
        return out;
    }
}
