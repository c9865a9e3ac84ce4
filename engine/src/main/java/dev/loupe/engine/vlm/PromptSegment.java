package dev.loupe.engine.vlm;

/**
 * A run of the prompt evaluated in one decoder call, as llama.cpp's mtmd evaluates chunks:
 * either text tokens or image embeddings. Keeping mtmd's chunking matters beyond bookkeeping:
 * a call of 64 rows or more takes ggml's tiled attention kernel, which rounds differently.
 */
public sealed interface PromptSegment {

    /** Number of positions the segment occupies. */
    int length();

    record Text(int[] tokens) implements PromptSegment {
        @Override
        public int length() {
            return tokens.length;
        }
    }

    /** {@code count} rows of {@code width} floats each. */
    record Embeddings(float[] rows, int count, int width) implements PromptSegment {
        public Embeddings {
            if (rows.length != count * width) throw new IllegalArgumentException(rows.length + " values for " + count + " x " + width);
        }

        @Override
        public int length() {
            return count;
        }
    }
}
