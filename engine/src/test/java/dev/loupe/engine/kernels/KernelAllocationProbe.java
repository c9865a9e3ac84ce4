package dev.loupe.engine.kernels;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/**
 * {@link KernelAllocationTest}'s measurement of one type, run in a JVM of its own:
 * {@code KernelAllocationProbe TYPE ROWS} prints the bytes per call of the decode products (and
 * the repacked panels' prompt product) and exits 1 when one allocates.
 */
public final class KernelAllocationProbe {
    private static final int COLS = 512;
    /** A prompt's rows: more than a decode batch (Int8Panels.DECODE_ROWS), an odd count for the tiles' spare rows. */
    private static final int PROMPT_ROWS = 13;
    /** Calls before measuring: enough for C2 to compile the kernels (thousands of row loops). */
    private static final int WARM_UP_CALLS = 2_000;
    private static final int CALLS_PER_ROUND = 200;
    /**
     * How long rounds of measurement may go on for compilation to settle: C2 recompiles the
     * kernels a few times as their profiles fill, and a round may catch interim code, which
     * boxes; on a busy machine that can last seconds. A boxed fallback never settles. The first
     * round under the bound passes.
     */
    private static final long PATIENCE_NANOS = 10_000_000_000L;
    /** A compiled kernel allocates nothing; the boxed fallback kilobytes per call. */
    static final long MAX_BYTES_PER_CALL = 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private KernelAllocationProbe() {}

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args[0]);
        int rows = Integer.parseInt(args[1]);
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = type.blockSize == 1 ? WeightKernelDifferentialTest.randomWeights(arena, type, rows, COLS, rnd)
                    : WeightKernelDifferentialTest.randomBlocks(arena, type, rows, COLS, rnd, false);
            WeightKernel kernel = Kernels.forMatrix(type, "test", rows);
            int batch = 8;
            float[] input = new float[batch * COLS];
            for (int i = 0; i < input.length; i++) input[i] = (float) rnd.nextGaussian();
            float[] rounded = new float[batch * COLS];
            for (int b = 0; b < batch; b++) kernel.roundRow(input, b * COLS, rounded, b * COLS, COLS);
            Activations one = kernel.prepare(input, 1, COLS), all = kernel.prepare(input, batch, COLS);
            float[] out = new float[batch * rows];
            float[] promptInput = new float[PROMPT_ROWS * COLS], promptOut = new float[PROMPT_ROWS * rows];
            for (int i = 0; i < promptInput.length; i++) promptInput[i] = (float) rnd.nextGaussian();

            // The repacked panels of fast numerics (every quantized type), over all panels, the last one narrow;
            // measured first, as a model with repacked weights runs them: with Q8_0's own striped and ggml
            // kernels compiled first in the same JVM, C2 once compiled the 4-row panel tile boxed (~1 MB per
            // call at batch 8), which no model run shows (their products all take the panels then).
            long panelSingle = 0, panelBatch = 0, panelPrompt = 0;
            Int8Panels.RowSource source = kernel.int8Codes(w, COLS);
            if (source != null) {
                Int8Panels panels = Int8Panels.repack(rows, COLS, source, new ComputePool(1));
                int count = Int8Panels.panelCount(rows);
                PanelActivations lone = PanelActivations.ofRow(kernel, panels, input, 0);
                PanelActivations rows8 = PanelActivations.ofRows(rounded, panels.groupSums(rounded, batch), batch);
                panelSingle = bytesPerCall(() -> {
                    for (int p = 0; p < count; p++) panels.multiplyPanel(lone, p, out, p * Int8Panels.PANEL, rows);
                });
                panelBatch = bytesPerCall(() -> {
                    for (int p = 0; p < count; p++) panels.multiplyPanel(rows8, p, out, p * Int8Panels.PANEL, rows);
                });
                // A prompt's rows, through its own entry (the widened block; 16-bit lanes for 4-bit codes).
                PanelActivations prompt = PanelActivations.ofPromptRows(kernel, panels, promptInput, PROMPT_ROWS, new ComputePool(1));
                panelPrompt = bytesPerCall(() -> panels.multiplyPrompt(prompt, 0, count, promptOut, 0, rows));
            }
            long single = bytesPerCall(() -> kernel.multiply(w, COLS, one, 0, rows, out, rows));
            long batched = bytesPerCall(() -> kernel.multiply(w, COLS, all, 0, rows, out, rows));
            long striped = bytesPerCall(() -> kernel.multiplyStriped(w, COLS, rounded, 1, 0, rows, out, rows));
            long stripedBatch = bytesPerCall(() -> kernel.multiplyStriped(w, COLS, rounded, batch, 0, rows, out, rows));
            System.out.println(type + " " + rows + "x" + COLS + " on " + FloatVector.SPECIES_PREFERRED + ", bytes per call: ggml single-row "
                    + single + ", ggml batch " + batch + " " + batched + ", striped single-row " + striped + ", striped batch " + batch + " "
                    + stripedBatch + ", repacked single-row " + panelSingle + ", repacked batch " + batch + " " + panelBatch
                    + ", repacked prompt of " + PROMPT_ROWS + " " + panelPrompt);
            boolean clean = Math.max(Math.max(Math.max(single, batched), Math.max(striped, stripedBatch)), Math.max(panelSingle, Math.max(panelBatch, panelPrompt)))
                    < MAX_BYTES_PER_CALL;
            System.exit(clean ? 0 : 1);
        }
    }

    /**
     * Warms {@code product} up, then measures rounds of calls until one stays under the bound
     * or {@link #PATIENCE_NANOS} have passed; the fewest bytes per call of a round.
     */
    static long bytesPerCall(Runnable product) {
        for (int i = 0; i < WARM_UP_CALLS; i++) product.run();
        long best = Long.MAX_VALUE, deadline = System.nanoTime() + PATIENCE_NANOS;
        do {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS_PER_ROUND; i++) product.run();
            best = Math.min(best, (THREADS.getCurrentThreadAllocatedBytes() - before) / CALLS_PER_ROUND);
        } while (best >= MAX_BYTES_PER_CALL && System.nanoTime() < deadline);
        return best;
    }
}
