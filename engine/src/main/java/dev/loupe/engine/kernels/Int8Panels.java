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
 * bytes and multiply in the tile (a float per group and row would add 2 bits per weight: Q4_K
 * took 6 bits instead of 4.75). The flat types go through the same tile with a multiplier of 1,
 * exact in float.
 *
 * <p>Layout, panel after panel of {@link #PANEL} weight rows (the last one zero-padded), for each
 * super-block of columns (a group, for the flat types): the {@link #PANEL} rows' {@code d} as
 * floats, their {@code dmin} where the type has minimums; for the two-level types then per group
 * the rows' {@code sc} as signed bytes and their {@code m} where there are minimums; then each
 * group's codes k-major, {@code code[k][j]} for row j at column k. The micro-kernel forms a
 * group's scales and minimums once, widens a panel vector of codes in registers, multiplies it
 * by the scales and subtracts the minimums — the float the type's {@code dequantizeRow} gives —
 * and then runs {@link PackedGemm}'s tile: every output element is the same single FMA chain over
 * k from zero, so the results are bit for bit those of packing the widened rows, whatever the
 * batch or threads.
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
     * Activation rows per micro-tile: four (12 accumulators) where 512-bit vectors give 32
     * registers, three (9) on AVX2's 16, where four spilled (measured 1.3x slower than three).
     */
    static final int TILE_ROWS = L >= 16 ? 4 : 3;
    /** Whether a lone row takes the one-row tile (AVX2) or the full tile with row stride 0 (AVX-512: see multiplyPanel). */
    static final boolean ONE_ROW_TILE = L < 16;

    /**
     * The minimums of a type without any: the tiles load minimums from here rather than take a
     * zero vector in a branch — a vector merged from two branches is one C2 may box (measured:
     * ~1 MB per batched call of Q8_0 in KernelAllocationProbe).
     */
    private static final MemorySegment ZERO_MINS = Arena.global().allocate((long) PANEL * Float.BYTES, 64);

    /** The group multipliers of the flat types, loaded as the two-level types' are: 1, exact. */
    private static final MemorySegment ONES = Arena.global().allocate(PANEL, 64).fill((byte) 1);

    /** The thread's copy of a lone row (or a batch's last rows) repeated to a full tile. */
    private static final ThreadLocal<float[]> PAD = ThreadLocal.withInitial(() -> new float[0]);

    /** The thread's tile for a matrix's last, narrow panel (a decode step meets one per matrix: no allocation per call). */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[4 * PANEL]);

    /**
     * Activation rows from which a panel's values are widened to floats once, a block of
     * columns at a time, and multiplied by {@link PackedGemm}'s tiles, instead of each tile
     * widening the codes in registers again: every tile pass after the first would repeat the
     * conversions, as many instructions as its FMAs (a prompt's 64 rows are 16-22 passes).
     */
    static final int WIDEN_MIN_ROWS = TILE_ROWS + 1;

    /** The thread's widened block of a panel ({@link PackedGemm#DEPTH_BLOCK} columns). */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[PackedGemm.DEPTH_BLOCK * PANEL]);

    /** The thread's scales and minimums of the group a tile is in ({@link #groupScales}). */
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
        return new Int8Panels(data, rows, cols, layout, low);
    }

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
     * there are no minimums. Once per group and tile: the tiles then load them as vectors.
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
        float[] sm = GROUP_SCALES.get();
        if (m >= WIDEN_MIN_ROWS) {
            // The same values and the same chains as the tiles below: bit for bit their floats.
            float[] block = WIDENED.get();
            for (int k0 = 0; k0 < cols; k0 += PackedGemm.DEPTH_BLOCK) {
                int k1 = Math.min(cols, k0 + PackedGemm.DEPTH_BLOCK);
                if (nibbles) widenNibbles(panel, k0, k1, sm, block);
                else widen(panel, k0, k1, sm, block);
                PackedGemm.multiplyBlock(a, 0, cols, m, block, -k0 * PANEL, k0, k1, n, c, cOff, ldc);
            }
            return;
        }
        for (int i = 0; i < m; i += TILE_ROWS) {
            int tile = Math.min(TILE_ROWS, m - i);
            // A full tile of a full panel writes straight into c. Fewer rows than a tile run the
            // full tile all the same: a lone row (a decode step of one sequence) as every row of
            // it (row stride 0), a batch's last two or three rows padded with copies of the last;
            // the extra chains are thrown away and each kept output is its own chain, the same
            // floats. On AVX-512 one tile shape serves every row count: a separate one-row tile,
            // compiled after prefill's, came out boxed under C2 there (28 instead of 190 tokens/s,
            // SmolVLM-256M Q8_0); on AVX2 it never did in our runs, and saves the 3-row tile's
            // extra FMAs (tg128 147 vs 109 t/s), so lone rows take it (ONE_ROW_TILE). A narrow
            // last panel computes into a full-width tile too.
            boolean oneRowTile = tile == 1 && ONE_ROW_TILE;
            boolean direct = n == PANEL && (tile == TILE_ROWS || oneRowTile);
            float[] dst = direct ? c : TAIL.get();
            int at = direct ? cOff + i * ldc : 0, stride = direct ? ldc : PANEL;
            if (oneRowTile) {
                if (nibbles) tile1Nibbles(a, i * cols, panel, sm, dst, at);
                else tile1(a, i * cols, panel, sm, dst, at);
            } else {
                float[] rowsOf = a;
                int aOff = i * cols, lda = tile == 1 ? 0 : cols;
                if (tile > 1 && tile < TILE_ROWS) {
                    rowsOf = PAD.get();
                    if (rowsOf.length < TILE_ROWS * cols) PAD.set(rowsOf = new float[TILE_ROWS * cols]);
                    for (int r = 0; r < TILE_ROWS; r++) System.arraycopy(a, (i + Math.min(r, tile - 1)) * cols, rowsOf, r * cols, cols);
                    aOff = 0;
                }
                if (nibbles) {
                    if (TILE_ROWS == 4) tile4Nibbles(rowsOf, aOff, lda, panel, sm, dst, at, stride);
                    else tile3Nibbles(rowsOf, aOff, lda, panel, sm, dst, at, stride);
                } else if (TILE_ROWS == 4) {
                    tile4(rowsOf, aOff, lda, panel, sm, dst, at, stride);
                } else {
                    tile3(rowsOf, aOff, lda, panel, sm, dst, at, stride);
                }
            }
            if (!direct) {
                for (int r = 0; r < tile; r++) System.arraycopy(dst, r * PANEL, c, cOff + (i + r) * ldc, n);
            }
        }
    }

    /**
     * Columns [k0, k1) of a panel (whole super-blocks) as floats, k-major from {@code out[0]}:
     * each value the tiles form in registers ({@code code * scale - min}), formed once.
     */
    private void widen(long panel, int k0, int k1, float[] sm, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        for (int sb = k0 / superBlock, o = 0; sb < k1 / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
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

    /** {@link #widen} of 4-bit panels, split as the nibble tiles split them. */
    private void widenNibbles(long panel, int k0, int k1, float[] sm, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group, low = lowestCode;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        for (int sb = k0 / superBlock, o = 0; sb < k1 / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
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
     * The tiles call only the Vector API (no helper of ours taking or returning vectors: see
     * BlockKernel's note on laneDot). A weight vector is its codes widened to floats times the
     * block's scales; then PackedGemm's 4 x 3 tile of FMAs.
     */

    private void tile4(float[] a, int aOff, int lda, long panel, float[] sm, float[] c, int cOff, int ldc) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        FloatVector x00 = FloatVector.zero(S), x01 = x00, x02 = x00, x10 = x00, x11 = x00, x12 = x00;
        FloatVector x20 = x00, x21 = x00, x22 = x00, x30 = x00, x31 = x00, x32 = x00;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk++, k++, code += PANEL) {
                    FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s0).sub(m0);
                    FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s1).sub(m1);
                    FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s2).sub(m2);
                    FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                    v = FloatVector.broadcast(S, a[a3 + k]);
                    x30 = v.fma(w0, x30);
                    x31 = v.fma(w1, x31);
                    x32 = v.fma(w2, x32);
                }
            }
        }
        int c1 = cOff + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        x00.intoArray(c, cOff);
        x01.intoArray(c, cOff + L);
        x02.intoArray(c, cOff + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + L);
        x32.intoArray(c, c3 + 2 * L);
    }

    /** Three rows of A: 9 accumulators, so that with the scales and a weight vector they fit AVX2's 16 registers. */
    private void tile3(float[] a, int aOff, int lda, long panel, float[] sm, float[] c, int cOff, int ldc) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda;
        FloatVector x00 = FloatVector.zero(S), x01 = x00, x02 = x00, x10 = x00, x11 = x00, x12 = x00, x20 = x00, x21 = x00, x22 = x00;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk++, k++, code += PANEL) {
                    FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s0).sub(m0);
                    FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s1).sub(m1);
                    FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).mul(s2).sub(m2);
                    FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                }
            }
        }
        int c1 = cOff + ldc, c2 = c1 + ldc;
        x00.intoArray(c, cOff);
        x01.intoArray(c, cOff + L);
        x02.intoArray(c, cOff + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
    }

    private void tile1(float[] a, int aOff, long panel, float[] sm, float[] c, int cOff) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
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


    /*
     * The same tiles over 4-bit panels: a byte holds two columns' codes (column k in the low
     * nibble, k + 1 in the high one, each minus the type's lowest code); they are widened to
     * ints, split with a mask and a shift (int lanes: AVX2 has no byte shifts), moved back by
     * the lowest code and converted — the same integer, so the same float as the 8-bit panels.
     */

    private void tile4Nibbles(float[] a, int aOff, int lda, long panel, float[] sm, float[] c, int cOff, int ldc) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        final int low = lowestCode;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        FloatVector x00 = FloatVector.zero(S), x01 = x00, x02 = x00, x10 = x00, x11 = x00, x12 = x00;
        FloatVector x20 = x00, x21 = x00, x22 = x00, x30 = x00, x31 = x00, x32 = x00;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk += 2, k += 2, code += PANEL) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    FloatVector w0 = ((FloatVector) q0.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0);
                    FloatVector w1 = ((FloatVector) q1.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1);
                    FloatVector w2 = ((FloatVector) q2.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2);
                    FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                    v = FloatVector.broadcast(S, a[a3 + k]);
                    x30 = v.fma(w0, x30);
                    x31 = v.fma(w1, x31);
                    x32 = v.fma(w2, x32);
                    w0 = ((FloatVector) q0.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0);
                    w1 = ((FloatVector) q1.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1);
                    w2 = ((FloatVector) q2.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2);
                    v = FloatVector.broadcast(S, a[a0 + k + 1]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k + 1]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k + 1]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                    v = FloatVector.broadcast(S, a[a3 + k + 1]);
                    x30 = v.fma(w0, x30);
                    x31 = v.fma(w1, x31);
                    x32 = v.fma(w2, x32);
                }
            }
        }
        int c1 = cOff + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        x00.intoArray(c, cOff);
        x01.intoArray(c, cOff + L);
        x02.intoArray(c, cOff + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + L);
        x32.intoArray(c, c3 + 2 * L);
    }

    private void tile3Nibbles(float[] a, int aOff, int lda, long panel, float[] sm, float[] c, int cOff, int ldc) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        final int low = lowestCode;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda;
        FloatVector x00 = FloatVector.zero(S), x01 = x00, x02 = x00, x10 = x00, x11 = x00, x12 = x00, x20 = x00, x21 = x00, x22 = x00;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
                for (int kk = 0; kk < g; kk += 2, k += 2, code += PANEL) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2I, IS, 0);
                    FloatVector w0 = ((FloatVector) q0.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0);
                    FloatVector w1 = ((FloatVector) q1.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1);
                    FloatVector w2 = ((FloatVector) q2.and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2);
                    FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                    w0 = ((FloatVector) q0.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s0).sub(m0);
                    w1 = ((FloatVector) q1.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s1).sub(m1);
                    w2 = ((FloatVector) q2.lanewise(VectorOperators.ASHR, 4).and(15).add(low).convert(VectorOperators.I2F, 0)).mul(s2).sub(m2);
                    v = FloatVector.broadcast(S, a[a0 + k + 1]);
                    x00 = v.fma(w0, x00);
                    x01 = v.fma(w1, x01);
                    x02 = v.fma(w2, x02);
                    v = FloatVector.broadcast(S, a[a1 + k + 1]);
                    x10 = v.fma(w0, x10);
                    x11 = v.fma(w1, x11);
                    x12 = v.fma(w2, x12);
                    v = FloatVector.broadcast(S, a[a2 + k + 1]);
                    x20 = v.fma(w0, x20);
                    x21 = v.fma(w1, x21);
                    x22 = v.fma(w2, x22);
                }
            }
        }
        int c1 = cOff + ldc, c2 = c1 + ldc;
        x00.intoArray(c, cOff);
        x01.intoArray(c, cOff + L);
        x02.intoArray(c, cOff + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
    }

    private void tile1Nibbles(float[] a, int aOff, long panel, float[] sm, float[] c, int cOff) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long sbBytes = layout.superBlockBytes(), header = layout.headerBytes();
        final int low = lowestCode;
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0;
        for (int sb = 0, k = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * sbBytes, code = block + header;
            for (int gi = 0; gi < groups; gi++) {
                groupScales(block, gi, sm);
                FloatVector s0 = FloatVector.fromArray(S, sm, 0), s1 = FloatVector.fromArray(S, sm, L), s2 = FloatVector.fromArray(S, sm, 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, sm, PANEL), m1 = FloatVector.fromArray(S, sm, PANEL + L), m2 = FloatVector.fromArray(S, sm, PANEL + 2 * L);
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
