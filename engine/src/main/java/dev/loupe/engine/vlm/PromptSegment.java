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

    /**
     * {@code count} rows of {@code width} floats each; for models with 2-D image positions, a
     * {@code gridX x gridY} raster of tokens (0 x 0: no grid, consecutive positions).
     */
    record Embeddings(float[] rows, int count, int width, int gridX, int gridY) implements PromptSegment {
        public Embeddings {
            if (rows.length != count * width) throw new IllegalArgumentException(rows.length + " values for " + count + " x " + width);
            if (gridX * gridY != 0 && gridX * gridY != count) throw new IllegalArgumentException("a " + gridX + "x" + gridY + " grid for " + count + " tokens");
        }

        public Embeddings(float[] rows, int count, int width) {
            this(rows, count, width, 0, 0);
        }

        @Override
        public int length() {
            return count;
        }
    }
}
