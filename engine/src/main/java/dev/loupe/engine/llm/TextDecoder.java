package dev.loupe.engine.llm;

/**
 * A text decoder of any architecture: embeds tokens, and evaluates a batch of consecutive
 * positions whose input rows are token embeddings or image embeddings, appending to a
 * sequence's KV cache.
 */
public interface TextDecoder {

    int embeddingLength();

    int vocabularySize();

    int contextLength();

    KvCache newCache(int capacity);

    /** The bytes {@link #newCache} allocates for {@code capacity} positions, before allocating them. */
    long cacheBytes(int capacity);

    /** Writes the embeddings of {@code tokens[from .. from+count)} to {@code dst}. */
    void embed(int[] tokens, int from, int count, float[] dst, int dstOffset);

    /**
     * Evaluates {@code n} positions starting at {@code cache.length()}, input rows of
     * {@link #embeddingLength()} floats. Returns the logits of the last position, or of all
     * positions (row-major) when {@code allLogits}.
     */
    float[] forward(float[] input, int n, KvCache cache, boolean allLogits);

    /**
     * As {@link #forward} for the last position's logits, also writing every position's
     * final-norm hidden state (what the output head reads) to {@code hidden}, n rows of
     * {@link #embeddingLength()} floats: for readouts from the hidden states, such as Youtu-VL's
     * dense predictions at image positions. Decoders that keep no hidden states refuse.
     */
    default float[] forwardKeepingHidden(float[] input, int n, KvCache cache, float[] hidden) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not keep hidden states");
    }

    /** The output head's weight rows for {@code tokens}, each {@link #embeddingLength()} floats: what a hidden state is scored against. */
    default float[] outputRows(int[] tokens) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not give its output head's rows");
    }

    /**
     * Width of an image embedding row: {@link #embeddingLength()}, or more when the model takes
     * extra per-token inputs with images (Qwen3-VL's DeepStack features).
     */
    default int imageEmbeddingLength() {
        return embeddingLength();
    }

    /**
     * Evaluates an image chunk of {@code gridX x gridY} tokens (row-major) of
     * {@link #imageEmbeddingLength()} floats each. Models with 2-D image positions (M-RoPE) give
     * each token its row and column; others treat the rows as consecutive positions.
     */
    default void forwardImage(float[] rows, int gridX, int gridY, KvCache cache) {
        forward(rows, gridX * gridY, cache, false);
    }

    /**
     * Evaluates a whole sequence — text and image rows, an answer after them — in one pass from
     * {@code cache}'s length on, and returns the logits of every row (row-major): the reference that
     * chunked prefill, shared prefixes and teacher forcing are checked against; nothing on the
     * prompt or decode path calls it. Positions (and Qwen3-VL's DeepStack) are placed as
     * {@link #forward} and {@link #forwardImage} place them chunk by chunk. Every row attends with
     * the one-row flash-attention kernel, whatever the sequence's length: the kernel of decode steps
     * and of chunks under {@code FlashAttention.TILED_MIN_ROWS} rows, so that with exact numerics a
     * row's arithmetic is the chunked path's and a difference shows a bookkeeping error (a
     * position, a cache cell), not the rounding of ggml's other kernel (up to ~4e-3 of a
     * random-weight model's log-probabilities).
     */
    default float[] forwardWhole(WholeSequence sequence, KvCache cache) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no one-pass path");
    }

    /**
     * One decode step of several sequences: row i of {@code input} goes to {@code caches[i]}
     * (all distinct). Returns the logits of every row, row-major.
     */
    float[] decodeBatch(float[] input, KvCache[] caches);

    /**
     * Whether {@link #decodeBatch} gives each sequence the same logits whatever other
     * sequences share the step (up to {@code FlashAttention.TILED_MIN_ROWS - 1} of them), so
     * that rows batched by a scheduler come out the same in every run.
     */
    boolean decodeStepsBatchInvariant();

    /** What was repacked at load for fast prefill ({@link dev.loupe.engine.tensor.WeightMatrix#repack}). */
    default dev.loupe.engine.tensor.RepackedWeights repacked() {
        return dev.loupe.engine.tensor.RepackedWeights.NONE;
    }
}
