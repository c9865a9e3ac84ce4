package dev.loupe.engine.llm;

import java.util.ArrayList;
import java.util.List;

/**
 * The input rows of a whole sequence — prompt text, image embeddings, answer tokens — for one
 * decoder pass ({@link TextDecoder#forwardWhole}), in order: runs of rows at consecutive positions
 * (token embeddings, image embeddings without a grid) and image grids, which a decoder with 2-D
 * image positions (M-RoPE) places as it places an image chunk. A reference path: prompts are
 * evaluated in mtmd's chunks, one decoder call each, and answers after them.
 */
public final class WholeSequence {
    /** {@code count} rows of {@code width} floats; {@code gridX x gridY} of them for an image grid, 0 x 0 for consecutive positions. */
    public record Part(float[] rows, int count, int width, int gridX, int gridY) {
        public Part {
            if (rows.length != count * width) throw new IllegalArgumentException(rows.length + " values for " + count + " rows of " + width);
            if (gridX * gridY != 0 && gridX * gridY != count) throw new IllegalArgumentException("a " + gridX + "x" + gridY + " grid for " + count + " rows");
        }

        public boolean grid() {
            return gridX * gridY > 0;
        }
    }

    private final List<Part> parts = new ArrayList<>();
    private int length;

    /** Appends rows that take consecutive positions. */
    public WholeSequence rows(float[] rows, int count, int width) {
        return add(new Part(rows, count, width, 0, 0));
    }

    /** Appends an image of {@code gridX x gridY} rows (row-major). */
    public WholeSequence image(float[] rows, int gridX, int gridY, int width) {
        return add(new Part(rows, gridX * gridY, width, gridX, gridY));
    }

    private WholeSequence add(Part p) {
        if (p.count() > 0) parts.add(p);
        length += p.count();
        return this;
    }

    public List<Part> parts() {
        return List.copyOf(parts);
    }

    /** Rows in all. */
    public int length() {
        return length;
    }

    /**
     * Every row laid out {@code width} floats wide: a narrower row (a token beside an image's
     * wider rows) is padded with zeros, which add nothing where the extra values are added in
     * (Qwen3-VL's DeepStack slices). A wider row is refused.
     */
    public float[] packed(int width) {
        float[] out = new float[length * width];
        int row = 0;
        for (Part p : parts) {
            if (p.width() > width) throw new IllegalArgumentException("rows of " + p.width() + " floats for a decoder taking " + width);
            for (int i = 0; i < p.count(); i++, row++) System.arraycopy(p.rows(), i * p.width(), out, row * width, p.width());
        }
        return out;
    }
}
