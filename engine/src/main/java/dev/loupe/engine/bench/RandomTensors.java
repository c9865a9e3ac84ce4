package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.io.OutputStream;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Adds random tensors to one GGUF being made, with the initialisation of the oracle's models:
 * linear weights N(0, 1/fan_in), norm weights 1 + N(0, 0.1²), biases N(0, 0.02²). Each tensor is
 * seeded from the model seed and its name, so the same command writes the same bytes.
 */
final class RandomTensors {
    /** Rows generated per parallel chunk: a few MB of floats, enough to keep both cores busy. */
    private static final int CHUNK_VALUES = 1 << 20;

    private final GgufWriter writer;
    private final GgmlType weightType;
    private final long seed;

    RandomTensors(GgufWriter writer, GgmlType weightType, long seed) {
        this.writer = writer;
        this.weightType = weightType;
        this.seed = seed;
    }

    GgmlType weightType() {
        return weightType;
    }

    /** A matrix multiplied by activations of width {@code ne[0]}: the file's weight type. */
    void linear(String name, long... ne) {
        tensor(name, storable(weightType, ne[0]), ne, 1.0 / Math.sqrt(ne[0]), 0);
    }

    /** {@link #linear} plus its bias {@code name.bias} over the output width {@code ne[1]}. */
    void affine(String prefix, long inputs, long outputs) {
        linear(prefix + ".weight", inputs, outputs);
        bias(prefix + ".bias", outputs);
    }

    /** A LayerNorm: weight and bias. */
    void layerNorm(String prefix, long n) {
        norm(prefix + ".weight", n);
        bias(prefix + ".bias", n);
    }

    /** Token embeddings, N(0, (0.8/√n_embd)²) in the file's weight type; also the output matrix when tied. */
    void tokenEmbedding(int nEmbd, int nVocab) {
        tensor("token_embd.weight", weightType, new long[] {nEmbd, nVocab}, 0.8 / Math.sqrt(nEmbd), 0);
    }

    /** A decoder block's pre-norm SwiGLU feed-forward: ffn_norm, ffn_gate, ffn_up, ffn_down. */
    void swiGluFeedForward(String block, int nEmbd, int nFf) {
        norm(block + "ffn_norm.weight", nEmbd);
        linear(block + "ffn_gate.weight", nEmbd, nFf);
        linear(block + "ffn_up.weight", nEmbd, nFf);
        linear(block + "ffn_down.weight", nFf, nEmbd);
    }

    /** A ViT block's first half with separate projections: ln1 and attn_q, attn_k, attn_v, attn_out with biases. */
    void vitAttention(String block, int nEmbd) {
        layerNorm(block + "ln1", nEmbd);
        for (String name : List.of("attn_q", "attn_k", "attn_v", "attn_out")) affine(block + name, nEmbd, nEmbd);
    }

    /**
     * The type of a Conv patch kernel in an mmproj of {@link #weightType}: qwen3vl's and youtuvl's
     * converters keep it F16 in an F16 mmproj and F32 otherwise (idefics3's is always F32).
     */
    GgmlType patchKernelType() {
        return weightType == GgmlType.F16 ? GgmlType.F16 : GgmlType.F32;
    }

    /** A ViT block's second half: ln2 and the feed-forward (ffn_up, ffn_down) with biases. */
    void vitFeedForward(String block, int nEmbd, int nFf) {
        layerNorm(block + "ln2", nEmbd);
        affine(block + "ffn_up", nEmbd, nFf);
        affine(block + "ffn_down", nFf, nEmbd);
    }

    void norm(String name, long n) {
        tensor(name, GgmlType.F32, new long[] {n}, 0.1, 1);
    }

    void bias(String name, long n) {
        tensor(name, GgmlType.F32, new long[] {n}, 0.02, 0);
    }

    /**
     * Writes a tensor of N(mean, std²) values. Rows are generated in chunks on the common pool,
     * each chunk seeded from the tensor seed and its index, and written in order: the bytes do not
     * depend on the thread count, and a multi-gigabyte model never sits in memory.
     */
    void tensor(String name, GgmlType type, long[] ne, double std, double mean) {
        int cols = Math.toIntExact(ne[0]);
        long rows = 1;
        for (int i = 1; i < ne.length; i++) rows *= ne[i];
        long tensorSeed = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        int rowBytes = Math.toIntExact(type.bytesFor(cols));
        int rowsPerChunk = Math.max(1, CHUNK_VALUES / cols);
        long rowCount = rows;
        writer.addTensor(name, type, ne, (OutputStream out) -> {
            long chunks = (rowCount + rowsPerChunk - 1) / rowsPerChunk;
            // Two chunks in flight per core bounds memory while the writer drains the previous batch.
            int batch = 2 * Runtime.getRuntime().availableProcessors();
            for (long first = 0; first < chunks; first += batch) {
                long start = first;
                byte[][] made = IntStream.range(0, (int) Math.min(batch, chunks - first)).parallel()
                        .mapToObj(i -> chunk(type, tensorSeed + start + i, cols, rowBytes,
                                Math.min(rowsPerChunk, rowCount - (start + i) * rowsPerChunk), std, mean))
                        .toArray(byte[][]::new);
                for (byte[] b : made) out.write(b);
            }
        });
    }

    private static byte[] chunk(GgmlType type, long chunkSeed, int cols, int rowBytes, long rows, double std, double mean) {
        SplittableRandom rnd = new SplittableRandom(chunkSeed);
        float[] row = new float[cols];
        byte[] bytes = new byte[Math.toIntExact(rows * rowBytes)];
        byte[] encoded = new byte[rowBytes];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) row[i] = (float) (mean + std * rnd.nextGaussian());
            WeightEncoder.encode(type, row, cols, encoded);
            System.arraycopy(encoded, 0, bytes, r * rowBytes, rowBytes);
        }
        return bytes;
    }

    /**
     * The type a converter stores for rows of {@code cols} values: block types need whole blocks,
     * and gguf-py falls back to F16 otherwise (e.g. SigLIP-so400m's 4304-wide feed-forward).
     */
    static GgmlType storable(GgmlType type, long cols) {
        return cols % type.blockSize == 0 ? type : GgmlType.F16;
    }
}
