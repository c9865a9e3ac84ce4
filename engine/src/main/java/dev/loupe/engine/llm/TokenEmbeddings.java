package dev.loupe.engine.llm;

import dev.loupe.engine.tensor.WeightMatrix;

/** Token embedding lookup: row {@code id} of the embedding table, any weight type, widened to floats. */
final class TokenEmbeddings {
    private TokenEmbeddings() {}

    /** Writes the embeddings of {@code tokens[from .. from+count)} to {@code dst}, one row of table.cols() each. */
    static void embed(WeightMatrix table, int[] tokens, int from, int count, float[] dst, int dstOffset) {
        int vocab = table.rows(), width = table.cols();
        for (int i = 0; i < count; i++) {
            int id = tokens[from + i];
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + vocab + ")");
            table.row(id, dst, dstOffset + i * width);
        }
    }
}
