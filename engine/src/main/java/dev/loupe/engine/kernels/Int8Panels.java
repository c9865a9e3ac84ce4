package dev.loupe.engine.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight rows repacked once, at load, into the k-major panels of {@link PackedGemm} — but kept
 * as 8-bit codes (two to a byte where they span at most 16 values) with their scales instead of
 * widened floats, so that {@link Numerics#FAST}'s prefill neither widens nor transposes the
 * weights on every call (for a prompt of tens of rows that packing cost as much as the
 * products: half the profile of a 4B model's 32-row prefill under AVX2), and a decode step
 * streams about the bytes of the file.
 *
 * <p>Every type repacked here dequantizes as {@code code * scale - min} per group of 16 or 32
 * values, rounded as written (Q8_0 and the types without minimums have min 0, which changes no
 * float, -0 included; the K-quants' codes already carry their offset, e.g. Q6_K's -32). The
 * 32-value block types have a float scale (and minimum) per group. The K-quants and IQ4_XS
 * have one per super-block of 256 values, {@code d} and {@code dmin}, and a small integer per
 * group, {@code sc} and {@code m}: their scale is {@code d * sc} and their minimum
 * {@code dmin * m}, the products ggml's dequantization forms, so the panels keep the integers as
 * bytes and multiply them as they widen the codes (a float per group and row would add 2 bits
 * per weight: Q4_K took 6 bits instead of 4.75). The flat types go through the same code with a
 * multiplier of 1, exact in float.
 *
 * <p>Layout, panel after panel of {@link #PANEL} weight rows (the last one zero-padded), for each
 * super-block of columns (a group, for the flat types): the {@link #PANEL} rows' {@code d} as
 * floats, their {@code dmin} where the type has minimums; for the two-level types then per group
 * the rows' {@code sc} as signed bytes and their {@code m} where there are minimums; then each
 * group's codes k-major, {@code code[k][j]} for row j at column k.
 *
 * <p>A product widens each panel a block of {@link PackedGemm#DEPTH_BLOCK} columns at a time
 * into a float buffer the size of L1/L2 — per group the scales and minimums once, then per
 * vector of codes a conversion, the scale and the minimum: the float the type's
 * {@code dequantizeRow} gives — and runs {@link PackedGemm}'s 4-row tile on it for every
 * activation row, a decode step's lone row included. Every output element is the same single
 * FMA chain over k from zero, so the results are bit for bit those of packing the widened rows,
 * whatever the batch or threads. Widening in the tile's registers instead repeated the
 * conversions in every pass of a prompt's rows (as many instructions as the FMAs), and tiles of
 * our own beside PackedGemm's came out boxed under C2 when first compiled after prefill (a 4B
 * model's decode at a tenth of its speed, AVX-512): one tile, compiled by the first prompt or
 * image, serves every product.
 */
public final class Int8Panels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Codes of one panel vector: L bytes, widened to L floats in one conversion. */
    private static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    /** Ints of the float species' shape: 4-bit codes are split in int lanes. */
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);
    /** Weight rows per panel: three vectors, as {@link PackedGemm#PANEL}. */
    public static final int PANEL = PackedGemm.PANEL;
    /**
     * The minimums of a type without any: loaded from here rather than taken as a zero vector in
     * a branch — a vector merged from two branches is one C2 may box (measured: ~1 MB per
     * batched call of Q8_0 in KernelAllocationProbe).
     */
    private static final MemorySegment ZERO_MINS = Arena.global().allocate((long) PANEL * Float.BYTES, 64);

    /** The group multipliers of the flat types, loaded as the two-level types' are: 1, exact. */
    private static final MemorySegment ONES = Arena.global().allocate(PANEL, 64).fill((byte) 1);

    /** The thread's output of a lone row against a matrix's last, narrow panel. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[PANEL]);

    /** Activation rows up to which a product widens {@link #DECODE_DEPTH} columns at a time (decode steps). */
    static final int DECODE_ROWS = 8;
    /** Columns widened at a time for a decode step's rows: a block that stays in L1. */
    static final int DECODE_DEPTH = 64;

    /** The thread's widened block of a panel ({@link PackedGemm#DEPTH_BLOCK} columns). */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[PackedGemm.DEPTH_BLOCK * PANEL]);

    /** The thread's scales and minimums of the group being widened ({@link #groupScales}). */
    private static final ThreadLocal<float[]> GROUP_SCALES = ThreadLocal.withInitial(() -> new float[2 * PANEL]);

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    /** Columns per scale (and minimum): 32, or 16 for the K-quants with 16-value sub-blocks. */
    private final int group;
    /** Columns per float scale: 256 for the two-level types, else the group. */
    private final int superBlock;
    private final boolean hasMins;
    /** Whether two codes share a byte (types whose codes span at most 16 values: Q4_0, Q4_1, Q4_K, Q3_K, Q2_K). */
    private final boolean nibbles;
    /** The type's lowest code: 4-bit panels store each code minus it. */
    private final int lowestCode;
    private final Layout layout;

    /** Where a super-block's parts sit in a panel. */
    private record Layout(int group, int superBlock, boolean hasMins, boolean nibbles) {
        int groups() { return superBlock / group; }
        boolean twoLevel() { return superBlock > group; }
        /** The floats d (and dmin) of the panel's rows. */
        long floatBytes() { return (long) PANEL * Float.BYTES * (hasMins ? 2 : 1); }
        /** One group's multipliers: sc (and m) of the panel's rows. */
        long multiplierStride() { return twoLevel() ? (long) PANEL * (hasMins ? 2 : 1) : 0; }
        long headerBytes() { return floatBytes() + groups() * multiplierStride(); }
        long groupCodeBytes() { return (long) group * PANEL / (nibbles ? 2 : 1); }
        long superBlockBytes() { return headerBytes() + groups() * groupCodeBytes(); }
    }

    private Int8Panels(MemorySegment data, int rows, int cols, Layout layout, int lowestCode) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.layout = layout;
        this.group = layout.group();
        this.superBlock = layout.superBlock();
        this.hasMins = layout.hasMins();
        this.nibbles = layout.nibbles();
        this.lowestCode = lowestCode;
    }

    /** How one weight row yields its codes, scales and minimums (a weight type's own decoding). */
    public interface RowSource {
        /** Columns per scale: 16 or 32. */
        int group();

        /**
         * Columns per float scale: the group where each group has its own (Q8_0, Q4_0...), 256
         * where a super-block's float {@code d} is multiplied per group by a small integer (the
         * K-quants, IQ4_XS).
         */
        default int superBlock() {
            return group();
        }

        /** Whether the type subtracts a minimum per group (Q4_K, Q5_K, Q2_K, Q4_1, Q5_1). */
        boolean hasMins();

        /** The lowest code {@link #codes} writes for this type (with offsets applied). */
        default int lowestCode() {
            return Byte.MIN_VALUE;
        }

        /** The highest code {@link #codes} writes: codes spanning at most 16 values are stored two to a byte. */
        default int highestCode() {
            return Byte.MAX_VALUE;
        }

        /**
         * Writes row {@code r}'s {@code cols} codes (offsets applied) to {@code codes}; per
         * super-block its float scale to {@code scales} and (where {@link #hasMins}) its float
         * minimum to {@code mins}; and, for two-level types only, per group the integer
         * multipliers of both to {@code groupScales} and {@code groupMins} (each a signed byte).
         * A value is then {@code code * (scale * groupScale) - mins * groupMin}, the group's
         * factors taken as 1 for the flat types.
         */
        void codes(int r, byte[] codes, float[] scales, float[] mins, byte[] groupScales, byte[] groupMins);
    }

    /** Panels this many rows need. */
    public static int panelCount(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    private static Layout layout(RowSource source) {
        return new Layout(source.group(), source.superBlock(), source.hasMins(), nibbles(source));
    }

    /** Whether a source's codes pack two to a byte. */
    static boolean nibbles(RowSource source) {
        return source.highestCode() - source.lowestCode() < 16;
    }

    /** Bytes the repacked copy of a {@code rows} x {@code cols} matrix takes. */
    public static long bytesFor(int rows, int cols, RowSource source) {
        return (long) panelCount(rows) * (cols / source.superBlock()) * layout(source).superBlockBytes();
    }

    /**
     * Repacks a matrix, panels split over the pool. The copy lives off the heap for as long as
     * the returned object is reachable ({@link Arena#ofAuto()}): it belongs to its weight matrix.
     */
    public static Int8Panels repack(int rows, int cols, RowSource source, ComputePool pool) {
        int group = source.group(), superBlock = source.superBlock();
        if (group != 16 && group != 32) throw new IllegalArgumentException("groups of " + group + " values; 16 or 32 expected");
        if (superBlock % group != 0) throw new IllegalArgumentException("super-blocks of " + superBlock + " values, not a multiple of " + group);
        if (cols % superBlock != 0) throw new IllegalArgumentException("rows of " + cols + " values, not a multiple of " + superBlock);
        Layout layout = layout(source);
        boolean hasMins = layout.hasMins(), nibbles = layout.nibbles(), twoLevel = layout.twoLevel();
        int low = source.lowestCode(), high = source.highestCode();
        MemorySegment data = Arena.ofAuto().allocate(bytesFor(rows, cols, source), 64);
        int supers = cols / superBlock, groups = layout.groups();
        pool.parallelFor(panelCount(rows), 1, (p0, p1) -> {
            byte[] codes = new byte[cols], groupScales = new byte[cols / group], groupMins = new byte[cols / group];
            float[] scales = new float[supers], mins = new float[supers];
            for (int p = p0; p < p1; p++) {
                long panel = (long) p * supers * layout.superBlockBytes();
                for (int j = 0; j < PANEL && p * PANEL + j < rows; j++) {
                    int r = p * PANEL + j;
                    source.codes(r, codes, scales, mins, groupScales, groupMins);
                    for (int sb = 0; sb < supers; sb++) {
                        long block = panel + sb * layout.superBlockBytes();
                        data.set(Layouts.F32, block + (long) j * Float.BYTES, scales[sb]);
                        if (hasMins) data.set(Layouts.F32, block + (long) (PANEL + j) * Float.BYTES, mins[sb]);
                        for (int gi = 0; gi < groups; gi++) {
                            int g = sb * groups + gi;
                            if (twoLevel) {
                                long multipliers = block + layout.floatBytes() + gi * layout.multiplierStride();
                                data.set(ValueLayout.JAVA_BYTE, multipliers + j, groupScales[g]);
                                if (hasMins) data.set(ValueLayout.JAVA_BYTE, multipliers + PANEL + j, groupMins[g]);
                            }
                            long at = block + layout.headerBytes() + gi * layout.groupCodeBytes() + j;
                            for (int k = 0; k < group; k++) {
                                int code = codes[g * group + k];
                                if (code < low || code > high) {
                                    throw new IllegalStateException("row " + r + ", column " + (g * group + k) + ": code " + code + " outside " + low + ".." + high);
                                }
                                if (!nibbles) {
                                    data.set(ValueLayout.JAVA_BYTE, at + (long) k * PANEL, (byte) code);
                                } else if (k % 2 == 0) {
                                    data.set(ValueLayout.JAVA_BYTE, at + (long) (k / 2) * PANEL, (byte) (code - low));
                                } else {
                                    long pair = at + (long) (k / 2) * PANEL;
                                    data.set(ValueLayout.JAVA_BYTE, pair, (byte) (data.get(ValueLayout.JAVA_BYTE, pair) | (code - low) << 4));
                                }
                            }
                        }
                    }
                }
            }
        });
        Int8Panels panels = new Int8Panels(data, rows, cols, layout, low);
        if (WARMED_UP.add(nibbles)) panels.warmUpOneRowTile();
        return panels;
    }

    /** The kinds of panels (4-bit or 8-bit codes) whose one-row tile this JVM has compiled. */
    private static final java.util.Set<Boolean> WARMED_UP = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Runs the one-row tile of this kind of panel until C2 has compiled it (some thousand calls on
     * the first panel: tens of milliseconds), before any prompt: compiled after a prompt's products,
     * the same tile came out boxed under C2 (its vector operations inlined from library methods
     * whose profiles the other kernels had filled: ten times slower), compiled first it stays fast.
     */
    private void warmUpOneRowTile() {
        float[] x = new float[cols], out = new float[Math.min(PANEL, rows)];
        java.util.Arrays.fill(x, 1f);
        for (int call = 0; call < WARM_UP_CALLS; call++) multiplyPanel(x, 1, 0, out, 0, out.length);
    }

    /** Calls that get the one-row tile through C1 to C2 (C2 compiles after ~5000 invocations or their loops); -Dloupe.warmUpCalls=0 shows the boxed tile. */
    private static final int WARM_UP_CALLS = Integer.getInteger("loupe.warmUpCalls", 6000);

    public long bytes() { return data.byteSize(); }

    /** Weight row {@code r}, column {@code k}, as the kernel sees it: code times scale, minus the minimum. */
    float value(int r, int k) {
        long block = ((long) (r / PANEL) * (cols / superBlock) + k / superBlock) * layout.superBlockBytes();
        int j = r % PANEL, gi = k % superBlock / group;
        long multipliers = block + layout.floatBytes() + gi * layout.multiplierStride();
        boolean twoLevel = layout.twoLevel();
        float scale = data.get(Layouts.F32, block + (long) j * Float.BYTES) * (twoLevel ? data.get(ValueLayout.JAVA_BYTE, multipliers + j) : 1);
        float min = hasMins ? data.get(Layouts.F32, block + (long) (PANEL + j) * Float.BYTES) * (twoLevel ? data.get(ValueLayout.JAVA_BYTE, multipliers + PANEL + j) : 1) : 0f;
        long codes = block + layout.headerBytes() + gi * layout.groupCodeBytes();
        int code;
        if (nibbles) {
            int pair = data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group / 2) * PANEL + j) & 0xFF;
            code = (k % 2 == 0 ? pair & 15 : pair >> 4) + lowestCode;
        } else {
            code = data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group) * PANEL + j);
        }
        return code * scale - min;
    }

    /**
     * The scales and minimums of the {@link #PANEL} rows for group {@code gi} of the super-block
     * at {@code block}, to {@code sm[0, PANEL)} and {@code sm[PANEL, 2 PANEL)}: {@code d * sc}
     * and {@code dmin * m} — for the flat types {@code d * 1} and {@code m * 1}, and 0 where
     * there are no minimums. Once per group: {@link #widen} then loads them as vectors.
     */
    private void groupScales(long block, int gi, float[] sm) {
        MemorySegment d = data;
        boolean twoLevel = layout.twoLevel();
        long multipliers = block + layout.floatBytes() + gi * layout.multiplierStride();
        MemorySegment scs = twoLevel ? d : ONES, dms = hasMins ? d : ZERO_MINS, ms = twoLevel && hasMins ? d : ONES;
        long sco = twoLevel ? multipliers : 0, dmo = hasMins ? block + (long) PANEL * Float.BYTES : 0, mo = twoLevel && hasMins ? multipliers + PANEL : 0;
        for (int v = 0; v < PANEL; v += L) {
            FloatVector sc = (FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
            FloatVector.fromMemorySegment(S, d, block + 4L * v, Layouts.LE).mul(sc).intoArray(sm, v);
            FloatVector m = (FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
            FloatVector.fromMemorySegment(S, dms, dmo + 4L * v, Layouts.LE).mul(m).intoArray(sm, PANEL + v);
        }
    }

    /**
     * {@code c[cOff + i * ldc + (j - r0)] = Σ_k a[i * cols + k] · W[j][k]} for the {@code m}
     * activation rows of {@code a} (row-major, {@code cols} each) and the weight rows of panel
     * {@code p}; columns past the matrix's last row are not written.
     */
    public void multiplyPanel(float[] a, int m, int p, float[] c, int cOff, int ldc) {
        int n = Math.min(PANEL, rows - p * PANEL);
        long panel = (long) p * (cols / superBlock) * layout.superBlockBytes();
        if (m == 1) {
            // One sequence's decode step: the one-row tile widens the codes in its registers and
            // reads each weight once (a 4-row tile over a widened block does 4x the FMAs and a store
            // and a load per value more: Qwen3-VL-4B Q4_K_M decode 2.6 vs 3.6 tokens/s, AVX-512).
            float[] dst = n == PANEL ? c : TAIL.get();
            int at = n == PANEL ? cOff : 0;
            if (nibbles) tile1Nibbles(a, 0, panel, dst, at);
            else tile1(a, 0, panel, dst, at);
            if (n < PANEL) System.arraycopy(dst, 0, c, cOff, n);
            return;
        }
        float[] sm = GROUP_SCALES.get(), block = WIDENED.get();
        // A decode step's few rows read each widened value once or twice: blocks that stay in L1
        // (64 columns: 12 KB on AVX-512). A prompt's rows read it many times: PackedGemm's depth.
        int depth = m <= DECODE_ROWS ? Math.max(group, DECODE_DEPTH) : PackedGemm.DEPTH_BLOCK;
        for (int k0 = 0; k0 < cols; k0 += depth) {
            int k1 = Math.min(cols, k0 + depth);
            if (nibbles) widenNibbles(panel, k0, k1, sm, block);
            else widen(panel, k0, k1, sm, block);
            PackedGemm.multiplyBlock(a, 0, cols, m, block, -k0 * PANEL, k0, k1, n, c, cOff, ldc);
        }
    }

    /**
     * Columns [k0, k1) of a panel (whole groups) as floats, k-major from {@code out[0]}:
     * each value {@code code * scale - min}, as the type's {@code dequantizeRow} rounds it.
     */
    private void widen(long panel, int k0, int k1, float[] sm, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        for (int gAll = k0 / g, o = 0; gAll < k1 / g; gAll++) {
            int gi = gAll % groups;
            long block = panel + (long) (gAll / groups) * sbBytes, code = block + header + gi * layout.groupCodeBytes();
            {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk++, code += PANEL, o += PANEL) {
                    ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s0).sub(m0).intoArray(out, o);
                    ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s1).sub(m1).intoArray(out, o + L);
                    ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s2).sub(m2).intoArray(out, o + 2 * L);
                }
            }
        }
    }

    /**
     * {@link #widen} of 4-bit panels: a byte holds two columns' codes (column k in the low
     * nibble, k + 1 in the high one, each minus the type's lowest code); they are widened to
     * ints, split with a mask and a shift (int lanes: AVX2 has no byte shifts), moved back by the
     * lowest code and converted — the same integer, so the same float as the 8-bit panels.
     */
    private void widenNibbles(long panel, int k0, int k1, float[] sm, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group, low = lowestCode;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        for (int gAll = k0 / g, o = 0; gAll < k1 / g; gAll++) {
            int gi = gAll % groups;
            long block = panel + (long) (gAll / groups) * sbBytes, code = block + header + gi * layout.groupCodeBytes();
            {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk += 2, code += PANEL, o += 2 * PANEL) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    ((FloatVector) q0.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0).intoArray(out, o);
                    ((FloatVector) q1.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1).intoArray(out, o + L);
                    ((FloatVector) q2.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2).intoArray(out, o + 2 * L);
                    ((FloatVector) q0.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0).intoArray(out, o + PANEL);
                    ((FloatVector) q1.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1).intoArray(out, o + PANEL + L);
                    ((FloatVector) q2.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2).intoArray(out, o + PANEL + 2 * L);
                }
            }
        }
    }

    /*
     * The one-row tiles call only the Vector API (no helper of ours taking or returning vectors:
     * see BlockKernel's note on laneDot): a weight vector is its codes widened to floats times
     * the group's scales minus its minimums, then one FMA per vector. They are compiled at the
     * first repacking (warmUpOneRowTile), before any prompt runs.
     */

    private void tile1(float[] a, int aOff, long panel, float[] c, int cOff) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        final long floatBytes = layout.floatBytes(), multiplierStride = layout.multiplierStride();
        final boolean twoLevel = layout.twoLevel(), mins = hasMins;
        final MemorySegment scs = twoLevel ? d : ONES, dms = mins ? d : ZERO_MINS, ms = twoLevel && mins ? d : ONES;
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                // groupScales' products, formed in registers: a lone row's tile does little else per group.
                long sco = twoLevel ? block + floatBytes + gi * multiplierStride : 0, mo = twoLevel && mins ? sco + PANEL : 0;
                long dmo = mins ? block + (long) PANEL * Float.BYTES : 0;
                FloatVector s0 = FloatVector.fromMemorySegment(S, d, block, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector s1 = FloatVector.fromMemorySegment(S, d, block + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector s2 = FloatVector.fromMemorySegment(S, d, block + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m0 = FloatVector.fromMemorySegment(S, dms, dmo, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m1 = FloatVector.fromMemorySegment(S, dms, dmo + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m2 = FloatVector.fromMemorySegment(S, dms, dmo + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                for (int kk = 0; kk < g; kk++, k++, code += PANEL) {
                    FloatVector v = FloatVector.broadcast(S, a[aOff + k]);
                    x0 = v.fma(((FloatVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s0).sub(m0), x0);
                    x1 = v.fma(((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s1).sub(m1), x1);
                    x2 = v.fma(((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s2).sub(m2), x2);
                }
            }
        }
        x0.intoArray(c, cOff);
        x1.intoArray(c, cOff + L);
        x2.intoArray(c, cOff + 2 * L);
    }

    private void tile1Nibbles(float[] a, int aOff, long panel, float[] c, int cOff) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        final long floatBytes = layout.floatBytes(), multiplierStride = layout.multiplierStride();
        final boolean twoLevel = layout.twoLevel(), mins = hasMins;
        final MemorySegment scs = twoLevel ? d : ONES, dms = mins ? d : ZERO_MINS, ms = twoLevel && mins ? d : ONES;
        final int low = lowestCode;
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                // groupScales' products, formed in registers: a lone row's tile does little else per group.
                long sco = twoLevel ? block + floatBytes + gi * multiplierStride : 0, mo = twoLevel && mins ? sco + PANEL : 0;
                long dmo = mins ? block + (long) PANEL * Float.BYTES : 0;
                FloatVector s0 = FloatVector.fromMemorySegment(S, d, block, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector s1 = FloatVector.fromMemorySegment(S, d, block + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector s2 = FloatVector.fromMemorySegment(S, d, block + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m0 = FloatVector.fromMemorySegment(S, dms, dmo, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m1 = FloatVector.fromMemorySegment(S, dms, dmo + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                FloatVector m2 = FloatVector.fromMemorySegment(S, dms, dmo + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                for (int kk = 0; kk < g; kk += 2, k += 2, code += PANEL) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    FloatVector v = FloatVector.broadcast(S, a[aOff + k]);
                    x0 = v.fma(((FloatVector) q0.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0), x0);
                    x1 = v.fma(((FloatVector) q1.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1), x1);
                    x2 = v.fma(((FloatVector) q2.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2), x2);
                    v = FloatVector.broadcast(S, a[aOff + k + 1]);
                    x0 = v.fma(((FloatVector) q0.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0), x0);
                    x1 = v.fma(((FloatVector) q1.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1), x1);
                    x2 = v.fma(((FloatVector) q2.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2), x2);
                }
            }
        }
        x0.intoArray(c, cOff);
        x1.intoArray(c, cOff + L);
        x2.intoArray(c, cOff + 2 * L);
    }
}
