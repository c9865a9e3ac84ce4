package dev.loupe.engine.tensor;

import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.kernels.Activations;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.HalfPanels;
import dev.loupe.engine.kernels.Int8Panels;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.kernels.PackedGemm;
import dev.loupe.engine.kernels.PanelActivations;
import dev.loupe.engine.kernels.WeightKernel;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor viewed in place in the model mapping: {@code rows} rows of {@code cols}
 * values of one GGML type. {@code y = W x} for a batch of activation rows is one call.
 */
public final class WeightMatrix {
    private final String name;
    private final GgmlType type;
    private final int rows;
    private final int cols;
    private final MemorySegment data;
    private final WeightKernel kernel;
    /** The rows repacked for FAST prefill ({@link #repack}), or null: then each product packs its own panels. */
    private volatile Int8Panels panels;
    /** 16-bit weights repacked for FAST prompt products ({@link #repackForPrompts}), or null. */
    private volatile HalfPanels halfPanels;

    public WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        this(name, type, rows, cols, data, true);
    }

    /**
     * One matrix of a 3-D weight tensor (a per-head stack such as MLA's {@code attn_k_b}):
     * llama.cpp's CPU backend repacks only 2-D weights into its interleaved layouts, so a
     * slice keeps its type's plain kernel whatever its row count.
     */
    public static WeightMatrix sliceOfStack(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        return new WeightMatrix(name, type, rows, cols, data, false);
    }

    private WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data, boolean mayRepack) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor " + name + ": rows of " + cols + " values, not a multiple of " + type + "'s block of " + type.blockSize);
        }
        this.kernel = mayRepack ? Kernels.forMatrix(type, name, rows) : Kernels.forType(type, name);
        if (data.byteSize() != type.bytesFor((long) rows * cols)) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for " + rows + " x " + cols + " " + type);
        }
    }

    /** Views a GGUF tensor with ne = [cols, rows] (higher dims folded into rows). */
    public static WeightMatrix of(GgufTensor t) {
        return new WeightMatrix(t.name(), t.type(), Math.toIntExact(t.rows()), Math.toIntExact(t.cols()), t.data());
    }

    /** An F16 matrix holding {@code values} (row-major) rounded to fp16, on the heap. */
    public static WeightMatrix f16(String name, int rows, int cols, float[] values) {
        short[] halves = new short[rows * cols];
        for (int i = 0; i < halves.length; i++) halves[i] = Float.floatToFloat16(values[i]);
        return new WeightMatrix(name, GgmlType.F16, rows, cols, MemorySegment.ofArray(halves));
    }

    /** All rows as floats, row-major. */
    public float[] toFloats() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) row(r, out, r * cols);
        return out;
    }

    public String name() { return name; }
    public GgmlType type() { return type; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }

    /**
     * {@code out[b * rows + r] = sum_c W[r][c] * x[b * cols + c]} for {@code batch} rows of x,
     * split over the pool by weight rows.
     */
    public void multiply(float[] x, int batch, float[] out, ComputePool pool) {
        Activations a = kernel.prepare(x, batch, cols);
        int grain = Math.max(1, 16384 / Math.max(1, cols * batch));
        pool.parallelFor(rows, grain, (r0, r1) -> kernel.multiply(data, cols, a, r0, r1, out, rows));
    }

    /**
     * As {@link #multiply(float[], int, float[], ComputePool)}, computed as {@code numerics}
     * says. {@link Numerics#EXACT}: ggml's products. {@link Numerics#FAST}: the activations are
     * rounded or quantized as ggml would for this type ({@link WeightKernel#roundRow}: for types
     * of 4-bit codes with the block scales narrowed to 8 bits) and widened back to floats; then from
     * {@link Numerics#PACKED_MIN_ROWS} rows on (prefill) each thread widens a panel of weight
     * rows to F32 (this type's own dequantization), packs it once and runs it against every
     * activation row with {@link PackedGemm} (matrices repacked at load read their panels
     * instead: {@link #repack}, {@link #repackForPrompts}); below that each weight row is widened once and
     * multiplied with every row by {@link dev.loupe.engine.kernels.StripedDot} — a single row
     * too, where the type {@linkplain WeightKernel#stripesOneRow() does that as fast} as
     * ggml's product, else ggml's single-row kernel.
     */
    public void multiply(float[] input, int batch, float[] out, ComputePool pool, Numerics numerics) {
        if (!numerics.packs(batch)) {
            if (batch == 1 && !stripesOneRow()) {
                multiply(input, batch, out, pool);
            } else {
                multiplyDecode(input, batch, out, pool, numerics);
            }
            return;
        }
        Int8Panels repacked = this.panels;
        if (repacked != null) {
            PanelActivations activations = PanelActivations.ofPromptRows(kernel, repacked, input, batch, pool);
            pool.parallelFor(Int8Panels.panelCount(rows), 1, (p0, p1) -> {
                repacked.multiplyPrompt(activations, p0, p1, out, p0 * Int8Panels.PANEL, rows);
            });
            return;
        }
        float[] x = operands(input, batch, pool);
        HalfPanels halves = this.halfPanels;
        if (halves != null) {
            pool.parallelFor(HalfPanels.panelCount(rows), 1, (p0, p1) -> halves.multiplyPanels(x, batch, p0, p1, out, rows));
            return;
        }
        int panels = (rows + PackedGemm.PANEL - 1) / PackedGemm.PANEL;
        pool.parallelFor(panels, 1, (p0, p1) -> {
            float[] widened = new float[PackedGemm.PANEL * cols];
            float[] panel = new float[PackedGemm.panelSize(cols)];
            for (int p = p0; p < p1; p++) {
                int r0 = p * PackedGemm.PANEL, count = Math.min(PackedGemm.PANEL, rows - r0);
                for (int i = 0; i < count; i++) kernel.dequantizeRow(data, cols, r0 + i, widened, i * cols);
                PackedGemm.packRows(widened, 0, cols, count, cols, panel, 0);
                PackedGemm.multiply(x, 0, cols, batch, panel, 0, cols, count, out, r0, rows);
            }
        });
    }

    /**
     * A batched decode step's product for {@code batch} sequences, any number of them, one
     * included: ggml's with {@link Numerics#EXACT}; with {@link Numerics#FAST} always striped,
     * never packed and never ggml's single-row kernel, so that a sequence's floats do not
     * depend on how many shared its step (a retried task reproduces its rows whatever the
     * scheduler's batches were).
     */
    public void multiplyDecode(float[] input, int batch, float[] out, ComputePool pool, Numerics numerics) {
        if (numerics == Numerics.EXACT) {
            multiply(input, batch, out, pool);
        } else {
            multiplyStriped(input, batch, out, pool);
        }
    }

    /**
     * {@link #multiplyDecode} of several matrices that read the same input (a layer's q, k and
     * v; its gate and up): with {@link Numerics#FAST} (all of them stripe) the input is rounded
     * once per weight type and their rows are split over the pool as one job instead of one job
     * each. Every output
     * is the float {@link #multiplyDecode} gives; a decode step of a small model is a couple of
     * hundred such products of tens of microseconds, where each job's hand-off counts.
     */
    public static void multiplyDecode(WeightMatrix[] ms, float[] input, int batch, float[][] outs, ComputePool pool, Numerics numerics) {
        boolean together = numerics == Numerics.FAST;
        for (WeightMatrix m : ms) together &= m.cols == ms[0].cols;
        if (!together) {
            for (int i = 0; i < ms.length; i++) ms[i].multiplyDecode(input, batch, outs[i], pool, numerics);
            return;
        }
        final int cols = ms[0].cols;
        Rounded[] xs = new Rounded[ms.length];
        int[] starts = new int[ms.length + 1];
        for (int i = 0; i < ms.length; i++) {
            boolean alike = i > 0 && ms[i].type == ms[i - 1].type && (ms[i].panels == null) == (ms[i - 1].panels == null);
            xs[i] = alike ? xs[i - 1] : ms[i].rounded(input, batch);
            starts[i + 1] = starts[i] + ms[i].rows;
        }
        int grain = Math.max(1, 16384 / Math.max(1, cols * batch));
        pool.parallelFor(starts[ms.length], grain, (g0, g1) -> {
            for (int i = 0; i < ms.length; i++) {
                int r0 = Math.max(g0, starts[i]) - starts[i], r1 = Math.min(g1, starts[i + 1]) - starts[i];
                if (r0 < r1) ms[i].decodeRows(xs[i], batch, r0, r1, outs[i]);
            }
        });
    }

    /**
     * Products of several matrices, each with its own input (multi-head latent attention's
     * per-head {@code k_b} and {@code v_b}: dozens of small products per layer), as one pool job
     * instead of one each. Every output is the float {@link #multiplyDecode} gives in a
     * {@code decodeStep}, else the one {@link #multiply(float[], int, float[], ComputePool, Numerics)}
     * gives; a prompt long enough to pack runs its products one by one, each already one job.
     */
    public static void multiplyEach(WeightMatrix[] ms, float[][] inputs, int batch, float[][] outs, ComputePool pool,
                                    Numerics numerics, boolean decodeStep) {
        if (!decodeStep && numerics.packs(batch)) {
            for (int i = 0; i < ms.length; i++) ms[i].multiply(inputs[i], batch, outs[i], pool, numerics);
            return;
        }
        ComputePool.RangeBody[] bodies = new ComputePool.RangeBody[ms.length];
        int[] starts = new int[ms.length + 1];
        int work = 0;
        for (int i = 0; i < ms.length; i++) {
            WeightMatrix m = ms[i];
            float[] out = outs[i];
            // The choice multiplyDecode and multiply make: ggml's kernel with exact numerics, and for
            // a lone prompt row of a type that does not stripe one; else the striped product.
            if (numerics == Numerics.EXACT || !decodeStep && batch == 1 && !m.stripesOneRow()) {
                Activations a = m.kernel.prepare(inputs[i], batch, m.cols);
                bodies[i] = (r0, r1) -> m.kernel.multiply(m.data, m.cols, a, r0, r1, out, m.rows);
            } else {
                Rounded x = m.rounded(inputs[i], batch);
                bodies[i] = (r0, r1) -> m.decodeRows(x, batch, r0, r1, out);
            }
            starts[i + 1] = starts[i] + m.rows;
            work = Math.max(work, m.cols);
        }
        int grain = Math.max(1, 16384 / Math.max(1, work * batch));
        pool.parallelFor(starts[ms.length], grain, (g0, g1) -> {
            for (int i = 0; i < ms.length; i++) {
                int r0 = Math.max(g0, starts[i]) - starts[i], r1 = Math.min(g1, starts[i + 1]) - starts[i];
                if (r0 < r1) bodies[i].run(r0, r1);
            }
        });
    }

    /**
     * A decode product's activations: the rows rounded as this type's products see them, each on
     * its own, and for repacked weights as the panels take them ({@link PanelActivations}: their
     * sums per group, a lone row's integers).
     */
    private record Rounded(float[] x, PanelActivations forPanels) {}

    private Rounded rounded(float[] input, int batch) {
        Int8Panels p = panels;
        if (p != null && batch == 1) {
            PanelActivations one = PanelActivations.ofRow(kernel, p, input, 0);
            return new Rounded(one.values(), one);
        }
        float[] x = new float[batch * cols];
        for (int b = 0; b < batch; b++) kernel.roundRow(input, b * cols, x, b * cols, cols);
        return new Rounded(x, p == null ? null : PanelActivations.ofRows(x, p.groupSums(x, batch), batch));
    }

    /**
     * FAST numerics below the packing threshold (decode steps, single or batched): activation
     * rows rounded or quantized as ggml would for this type, each row on its own, and widened
     * back to floats; then each weight row widened to F32 once (this type's dequantization)
     * and multiplied with every activation row by {@link dev.loupe.engine.kernels.StripedDot}. Neither step looks at the
     * other rows of the batch, so a row's outputs are the same floats in any batch.
     */
    private void multiplyStriped(float[] input, int batch, float[] out, ComputePool pool) {
        Rounded x = rounded(input, batch);
        int grain = Math.max(1, 16384 / Math.max(1, cols * batch));
        pool.parallelFor(rows, grain, (r0, r1) -> decodeRows(x, batch, r0, r1, out));
    }

    /**
     * A FAST decode product's outputs for the weight rows of [r0, r1) (a chunk of a pool job):
     * from the repacked panels when there are, else the type's striped product. A panel (a pair
     * of them for a lone row) belongs to the chunk holding its first row, so chunks that split the
     * rows split the panels too, each exactly once. Both ways a sequence's floats are the same in any batch — panels
     * because every output is the same sequence of operations in any batch
     * ({@link Int8Panels#multiplyPanels}), as in prefill, so a decode product and a prompt's
     * product of the same row agree bit for bit.
     */
    private void decodeRows(Rounded x, int batch, int r0, int r1, float[] out) {
        Int8Panels p = panels;
        if (p == null) {
            kernel.multiplyStriped(data, cols, x.x(), batch, r0, r1, out, rows);
            return;
        }
        // Whole units of panels (pairs for a lone row: Int8Panels.multiplyPanels runs them two at
        // a time), each belonging to the chunk that holds its first row.
        int unit = Int8Panels.panelsTogether(batch) * Int8Panels.PANEL;
        int p0 = Math.min(Int8Panels.panelCount(rows), (r0 + unit - 1) / unit * (unit / Int8Panels.PANEL));
        int p1 = Math.min(Int8Panels.panelCount(rows), (r1 + unit - 1) / unit * (unit / Int8Panels.PANEL));
        p.multiplyPanels(x.forPanels(), p0, p1, out, p0 * Int8Panels.PANEL, rows);
    }

    /**
     * The activations as this type's products see them ({@link Activations#toFloats}): each row
     * rounded on its own by the vectorized {@link WeightKernel#roundRow}, rows in parallel. The
     * same floats as {@link WeightKernel#prepare} without its integer layouts, for ggml's 4-row
     * interleaved Q8_K quantizer too: it differs from the row quantizer only in the sign of the
     * scale when a block's largest magnitude occurs with both signs, which negates the scale and
     * every integer alike (PackedGemmTest pins both).
     */
    private float[] operands(float[] input, int batch, ComputePool pool) {
        float[] x = new float[batch * cols];
        pool.parallelFor(batch, 4, (b0, b1) -> {
            for (int b = b0; b < b1; b++) kernel.roundRow(input, b * cols, x, b * cols, cols);
        });
        return x;
    }

    /**
     * Repacks the rows once for {@link Numerics#FAST}'s prefill products, where the type allows
     * ({@link WeightKernel#int8Codes}): 8-bit codes in k-major panels with their block scales,
     * off the heap, so that a prompt's products neither widen nor transpose the weights on
     * every call (the products scale each group's code sums, as ggml's do: within rounding of
     * packing the widened rows, see {@link Int8Panels}). FAST decode
     * steps read the panels too; {@link Numerics#EXACT} products and row lookups still read
     * the mapping, whose pages for this matrix are released after repacking (they fault back
     * in if read). Returns the copy's bytes, 0 where the type has no 8-bit form (F32, F16, BF16).
     */
    public synchronized long repack(ComputePool pool) {
        Int8Panels.RowSource source = kernel.int8Codes(data, cols);
        if (source == null) return 0;
        Int8Panels p = panels;
        if (p == null) {
            panels = p = Int8Panels.repack(rows, cols, source, pool);
            // From now on only the panels are read (prefill and decode alike, see decodeRows): the
            // mapped pages are handed back, so that the copy does not double the weights' memory.
            if (data.isMapped()) data.unload();
        }
        return p.bytes();
    }

    /**
     * Repacks a matrix that only prompt-sized products read — a vision encoder's, whose every
     * product has a row per patch — for {@link Numerics#FAST}: as {@link #repack} where the type
     * has 8-bit panels, into {@link HalfPanels} (k-major, still 2 bytes a weight) for F16 and
     * BF16. Those products then neither widen nor transpose the weights on every call; with
     * half panels their floats stay the same. Decode steps, {@link Numerics#EXACT} products and
     * row lookups of a 16-bit matrix still read the mapping, whose pages are handed back here
     * (they fault back in if read: a text model's matrices are repacked by {@link #repack}
     * instead). Returns the copy's bytes, 0 where the type has neither form (F32).
     */
    public synchronized long repackForPrompts(ComputePool pool) {
        long bytes = repack(pool);
        if (bytes > 0 || !HalfPanels.supports(type)) return bytes;
        HalfPanels h = halfPanels;
        if (h == null) {
            halfPanels = h = HalfPanels.repack(type, data, rows, cols, pool);
            if (data.isMapped()) data.unload();
        }
        return h.bytes();
    }

    /** Whether {@link #repack} or {@link #repackForPrompts} made a copy. */
    public boolean repacked() {
        return panels != null || halfPanels != null;
    }

    /**
     * Whether a lone row takes the striped product in {@link Numerics#FAST} outside decode steps
     * (a generated token of a single sequence): always once repacked, as the panels stream
     * fewer bytes per weight than ggml's integer kernels compute with 256- or 512-bit vectors
     * (SmolVLM-256M Q4_K_M tg128, measured below in docs/benchmarks.md), else where the type
     * {@linkplain WeightKernel#stripesOneRow() stripes one row} as fast as ggml.
     */
    public boolean stripesOneRow() {
        return panels != null || kernel.stripesOneRow();
    }

    /** Whether {@link Numerics#EXACT} products give a row the same floats in any batch ({@link WeightKernel#exactRowsBatchInvariant()}). */
    public boolean exactRowsBatchInvariant() {
        return kernel.exactRowsBatchInvariant();
    }

    /** Row {@code r} as floats (embedding lookup). */
    public void row(int r, float[] dst, int dstOffset) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("row " + r + " of " + name + " (" + rows + " rows)");
        kernel.dequantizeRow(data, cols, r, dst, dstOffset);
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + cols + " x " + rows + "]";
    }
}
