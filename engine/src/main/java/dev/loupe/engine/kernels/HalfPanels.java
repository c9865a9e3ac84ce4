package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A 16-bit weight matrix (F16 or BF16) repacked once, at load, into the k-major panels
 * {@link PackedGemm} multiplies — still 2 bytes a weight, as in the file: panel p holds rows
 * {@code p * PANEL ..} with {@code half[k * PANEL + j] = W[p * PANEL + j][k]}, the rows past the
 * matrix's last zero. A prompt-sized {@link Numerics#FAST} product (every product of a vision
 * encoder) widens one block of {@link PackedGemm#DEPTH_BLOCK} values of k at a time into the
 * thread's scratch — a contiguous loop C2 vectorizes into the CPU's half-to-float conversion —
 * and runs the 4-row tile on it. Without the copy, each product widened every weight row and
 * transposed it into a panel on every call: 5-7% of a SmolVLM-256M encoder pass.
 *
 * <p>Widening is exact and each output element stays one FMA chain over k in order, so the
 * floats are those of widening and packing the rows from the file (HalfPanelsTest).
 */
public final class HalfPanels {
    public static final int PANEL = PackedGemm.PANEL;
    /** Values of k transposed per step of {@link #repack}: 32 halves of each of a panel's rows, a cache line. */
    private static final int TRANSPOSE_STEP = 32;
    /** The thread's widened block of one panel. */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[PackedGemm.DEPTH_BLOCK * PANEL]);

    private final MemorySegment halves;
    private final int rows;
    private final int cols;
    private final boolean brain;

    private HalfPanels(MemorySegment halves, int rows, int cols, boolean brain) {
        this.halves = halves;
        this.rows = rows;
        this.cols = cols;
        this.brain = brain;
    }

    /** Whether weights of this type have this form. */
    public static boolean supports(GgmlType type) {
        return type == GgmlType.F16 || type == GgmlType.BF16;
    }

    public static int panelCount(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    /** Repacks {@code rows x cols} halves (row-major, as in a GGUF file), the panels split over the pool. */
    public static HalfPanels repack(GgmlType type, MemorySegment w, int rows, int cols, ComputePool pool) {
        if (!supports(type)) throw new IllegalArgumentException(type + " weights are not 16-bit floats");
        long panelBytes = (long) cols * PANEL * Short.BYTES;
        MemorySegment halves = Arena.ofAuto().allocate(panelCount(rows) * panelBytes, 64); // zeroed: the padding rows
        pool.parallelFor(panelCount(rows), 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int count = Math.min(PANEL, rows - p * PANEL);
                long panel = p * panelBytes;
                // A few values of k for every row of the panel at a time: the rows' cache lines
                // are read whole and the panel is written in order.
                for (int k0 = 0; k0 < cols; k0 += TRANSPOSE_STEP) {
                    int k1 = Math.min(cols, k0 + TRANSPOSE_STEP);
                    for (int j = 0; j < count; j++) {
                        long row = ((long) (p * PANEL + j) * cols) * Short.BYTES;
                        for (int k = k0; k < k1; k++) {
                            halves.set(Layouts.I16, panel + ((long) k * PANEL + j) * Short.BYTES, w.get(Layouts.I16, row + (long) k * Short.BYTES));
                        }
                    }
                }
            }
        });
        return new HalfPanels(halves, rows, cols, type == GgmlType.BF16);
    }

    /** Bytes of the off-heap copy. */
    public long bytes() {
        return halves.byteSize();
    }

    /**
     * {@code out[b * ldc + r] = Σ_k x[b * cols + k] · W[r][k]} for the {@code batch} rows of x and
     * the matrix rows of panels {@code [p0, p1)}.
     */
    public void multiplyPanels(float[] x, int batch, int p0, int p1, float[] out, int ldc) {
        float[] block = WIDENED.get();
        for (int p = p0; p < p1; p++) {
            int n = Math.min(PANEL, rows - p * PANEL);
            long panel = (long) p * cols * PANEL * Short.BYTES;
            for (int k0 = 0; k0 < cols; k0 += PackedGemm.DEPTH_BLOCK) {
                int k1 = Math.min(cols, k0 + PackedGemm.DEPTH_BLOCK);
                widen(panel + (long) k0 * PANEL * Short.BYTES, (k1 - k0) * PANEL, block);
                // The block holds k0..k1 from its start: the tile reads panel[offset + k * PANEL + j].
                PackedGemm.multiplyBlock(x, 0, cols, batch, block, -k0 * PANEL, k0, k1, n, out, p * PANEL, ldc);
            }
        }
    }

    /** {@code count} halves from {@code offset} as floats (plain loops: C2 vectorizes both). */
    private void widen(long offset, int count, float[] dst) {
        if (brain) {
            for (int i = 0; i < count; i++) dst[i] = Float.intBitsToFloat((halves.get(Layouts.I16, offset + 2L * i) & 0xFFFF) << 16);
        } else {
            for (int i = 0; i < count; i++) dst[i] = Float.float16ToFloat(halves.get(Layouts.I16, offset + 2L * i));
        }
    }
}
