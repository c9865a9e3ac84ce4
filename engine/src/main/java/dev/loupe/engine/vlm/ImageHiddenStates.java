package dev.loupe.engine.vlm;

/**
 * The final-norm hidden states a prefill keeps for a readout at image positions (Youtu-VL's dense
 * predictions, spec §1.4): the position just before the image ({@code <|vision_start|>}) and
 * every image position, {@code 1 + gridX * gridY} rows of the text model's embedding width. Row
 * 0 is the position before the image, row 1 + k image token k (row-major over the grid): a
 * shifted readout (next-token style, the output at position p predicting token p + 1) reads
 * token k's labels at row k, an unshifted one at row k + 1.
 *
 * <p>Filled once by {@link Generator#prefill} (one request, one thread), read after generation.
 */
public final class ImageHiddenStates {
    private float[] rows;
    private int gridX, gridY, width;

    /** Whether the prefill has filled these states. */
    public boolean filled() {
        return rows != null;
    }

    /** Called by the prefill: the position before the image (its last text row) and the image rows. */
    void fill(float[] beforeImage, float[] imageRows, int gridX, int gridY, int width) {
        if (rows != null) throw new IllegalStateException("hidden states are kept for one image per prompt");
        if (beforeImage == null) throw new IllegalStateException("the image opens the prompt: no position before it to read token 0's labels at");
        float[] all = new float[(1 + gridX * gridY) * width];
        System.arraycopy(beforeImage, 0, all, 0, width);
        System.arraycopy(imageRows, 0, all, width, gridX * gridY * width);
        this.rows = all;
        this.gridX = gridX;
        this.gridY = gridY;
        this.width = width;
    }

    /** The rows, {@code (1 + gridX * gridY) x width}, row 0 the position before the image. */
    public float[] rows() {
        if (rows == null) throw new IllegalStateException("no hidden states: the prompt was not prefilled with them kept");
        return rows;
    }

    public int gridX() { return gridX; }
    public int gridY() { return gridY; }
    public int width() { return width; }
}
