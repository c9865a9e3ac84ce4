package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.kernels.Layouts;
import dev.loupe.engine.tensor.GgmlType;
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

    public record Layer(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                        float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    public LlamaWeights(GgufFile f, LlamaConfig c) {
        tokenEmbedding = matrix(f, "token_embd.weight", c.nEmbd(), c.nVocab());
        layers = new Layer[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            String b = "blk." + l + ".";
            layers[l] = new Layer(
                    vector(f, b + "attn_norm.weight", c.nEmbd()),
                    matrix(f, b + "attn_q.weight", c.nEmbd(), c.qDim()),
                    matrix(f, b + "attn_k.weight", c.nEmbd(), c.kvDim()),
                    matrix(f, b + "attn_v.weight", c.nEmbd(), c.kvDim()),
                    matrix(f, b + "attn_output.weight", c.qDim(), c.nEmbd()),
                    vector(f, b + "ffn_norm.weight", c.nEmbd()),
                    matrix(f, b + "ffn_gate.weight", c.nEmbd(), c.nFf()),
                    matrix(f, b + "ffn_up.weight", c.nEmbd(), c.nFf()),
                    matrix(f, b + "ffn_down.weight", c.nFf(), c.nEmbd()));
        }
        outputNorm = vector(f, "output_norm.weight", c.nEmbd());
        // No output.weight means the output projection is tied to the token embedding.
        output = f.hasTensor("output.weight") ? matrix(f, "output.weight", c.nEmbd(), c.nVocab()) : tokenEmbedding;
    }

    /** A 2-D tensor checked against the expected ggml shape [cols, rows]. */
    static WeightMatrix matrix(GgufFile f, String name, int cols, int rows) {
        GgufTensor t = f.tensor(name);
        if (t.dims() != 2 || t.ne()[0] != cols || t.ne()[1] != rows) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has shape " + java.util.Arrays.toString(t.ne())
                    + ", expected [" + cols + ", " + rows + "]");
        }
        return WeightMatrix.of(t);
    }

    /** A 1-D F32 (or F16) tensor of length n, copied to a float array. */
    static float[] vector(GgufFile f, String name, int n) {
        GgufTensor t = f.tensor(name);
        if (t.elementCount() != n) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has " + t.elementCount() + " values, expected " + n);
        }
        float[] v = new float[n];
        if (t.type() == GgmlType.F32) {
            java.lang.foreign.MemorySegment.copy(t.data(), Layouts.F32, 0, v, 0, n);
        } else if (t.type() == GgmlType.F16) {
            for (int i = 0; i < n; i++) v[i] = Layouts.f16(t.data(), 2L * i);
        } else {
            throw new GgufFormatException(f.path(), "tensor " + name + " has type " + t.type() + ", expected F32 or F16");
        }
        return v;
    }
}
