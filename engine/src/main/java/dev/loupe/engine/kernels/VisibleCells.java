package dev.loupe.engine.kernels;

/**
 * Which key/value cells each query row of an attention call may see: the contiguous range
 * {@code [first(row), end(row))}. Causal attention, attention to everything, and window
 * attention (a vision encoder's rows grouped by window, each seeing its own window's cells)
 * are all such ranges; cells outside are what ggml's mask sets to -inf.
 */
public interface VisibleCells {
    int first(int row);

    int end(int row);

    /** Row t sees cells [0, visible + t): a prompt after {@code visible} cached cells (its own included for row 0). */
    static VisibleCells causal(int visible) {
        return new VisibleCells() {
            @Override public int first(int row) { return 0; }
            @Override public int end(int row) { return visible + row; }
        };
    }

    /** Every row sees cells [0, visible). */
    static VisibleCells all(int visible) {
        return new VisibleCells() {
            @Override public int first(int row) { return 0; }
            @Override public int end(int row) { return visible; }
        };
    }

    /** Row t sees cells [first[t], end[t]). */
    static VisibleCells ranges(int[] first, int[] end) {
        return new VisibleCells() {
            @Override public int first(int row) { return first[row]; }
            @Override public int end(int row) { return end[row]; }
        };
    }
}
