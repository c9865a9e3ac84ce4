package dev.loupe.engine.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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
 * <p>Layout, panel after panel of {@link #PANEL} weight rows (the last one zero-padded): first a
 * header per super-block of columns (a group, for the flat types): the {@link #PANEL} rows'
 * {@code d} as floats, their {@code dmin} where the type has minimums; for the two-level types
 * then per group the rows' {@code sc} as signed bytes and their {@code m} where there are
 * minimums. Then all the panel's codes, k-major, {@code code[k][j]} for row j at column k: one
 * unbroken stream. With each header in front of its super-block's codes, the streams a decode
 * step reads had a hole every few KB, and out of cache the hardware prefetcher did not keep up:
 * a Q4_K one-row product read 14-15 Gweights/s from DRAM against 24 in cache (one thread, Zen
 * 4); a loop over a contiguous stream lost nothing (24-25), and with holes lost what the tile did.
 *
 * <p>A product never scales a weight. Per group it multiplies the codes, converted to floats,
 * with the activations (one FMA chain from zero), then scales that sum once and adds the
 * group's minimum and code offset through the activations' sum over the group:
 * {@code Σ a (q + low) s - Σ a m = s Σ a q + (low s - m) Σ a} — how ggml's integer kernels
 * order it, in floats. A decode step's weight then costs a conversion and an FMA (it cost a
 * conversion, a multiply, a subtraction and an FMA when each weight was dequantized first: the
 * one-row tiles were compute-bound at about half the memory's speed). Decode steps of five to
 * eight sequences convert each code in registers once for eight rows ({@link #tile8x3} on
 * AVX-512, {@link #tile8} under AVX2), steps of two to four once for four on AVX-512
 * ({@link #tile4x3}) and for three under AVX2 ({@link #tile3x3}); prompts convert a block of
 * {@link PackedGemm#DEPTH_BLOCK} columns once and run a 4-row tile over it (3 rows under AVX2),
 * 4-bit codes in 16-bit integer lanes against the rows' integers ({@link #multiplyPrompt}: the
 * chains' sums are exact, so integers give the float chain's number).
 * Every output is the same sequence of operations whatever
 * the batch, tile or thread, so a sequence's floats do not depend on its batch and a prompt's
 * product of a row equals a decode step's bit for bit; they differ from the dequantized rows'
 * single FMA chain by rounding only (the tests bound it). Tiles of our own came out boxed under
 * C2 when first compiled after the encoder's and prefill's products (a 4B model's decode at a
 * tenth of its speed, AVX-512): they are compiled at the first repacking, before any prompt.
 */
public final class Int8Panels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Codes of one panel vector: L bytes, widened to L floats in one conversion. */
    private static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    /** Ints of the float species' shape: 4-bit codes are split in int lanes. */
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);
    /** Shorts of the float species' shape (2L lanes): the one-row 4-bit tile's integer lanes. */
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, S.vectorShape());
    /** Code bytes of one short vector: 2L, zero-extended to shorts in one conversion. */
    private static final VectorSpecies<Byte> CODE_PAIRS = VectorSpecies.of(byte.class, VectorShape.forBitSize(16 * L));
    /** The short lanes [L, 2L): where the one-row 4-bit tile's middle load holds the second column pair. */
    private static final VectorMask<Short> UPPER_HALF = VectorMask.fromLong(SHORTS, ((1L << (2 * L)) - 1) & -(1L << L));
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

    /** The thread's outputs of a lone row against a matrix's last, narrow panel, or a panel paired with itself. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[2 * PANEL]);

    /** Activation rows up to which a product runs the decode tiles ({@link #batchTiles}). */
    static final int DECODE_ROWS = 8;
    /**
     * Whether vectors are 512-bit: 32 registers, which hold the eight-row tiles' 24 chains over
     * a whole panel ({@link #tile8x3}), the 4-row tile's twelve outputs and the 16-bit one-row
     * tile; AVX2's sixteen take one panel vector at a time for eight rows ({@link #tile8}), three
     * for three rows ({@link #tile3x3}).
     */
    private static final boolean WIDE_VECTORS = L >= 16;

    /** The thread's widened block of a panel ({@link PackedGemm#DEPTH_BLOCK} columns). */
    private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[PackedGemm.DEPTH_BLOCK * PANEL]);

    /** The thread's widened block of a 4-bit panel for the 16-bit prompt tiles ({@link #widenPairs}: PANEL shorts a column). */
    private static final ThreadLocal<short[]> WIDENED_PAIRS = ThreadLocal.withInitial(() -> new short[PackedGemm.DEPTH_BLOCK * PANEL]);

    /** The thread's factors of the groups of a widened block ({@link #groupFactors}: 2 PANEL floats per group). */
    private static final ThreadLocal<float[]> FACTORS = ThreadLocal.withInitial(() -> new float[PackedGemm.DEPTH_BLOCK / 16 * 2 * PANEL]);

    /** The thread's activation rows of an eight-row tile, interleaved column by column ({@link #interleave}). */
    private static final ThreadLocal<float[]> INTERLEAVED = ThreadLocal.withInitial(() -> new float[0]);

    /** The thread's group sums of an eight-row tile, interleaved group by group. */
    private static final ThreadLocal<float[]> INTERLEAVED_SUMS = ThreadLocal.withInitial(() -> new float[0]);

    /** The thread's running outputs of a batched product ({@link #multiplyPanel}), grown to the largest batch. */
    private static final ThreadLocal<float[]> ACCUMULATORS = ThreadLocal.withInitial(() -> new float[(DECODE_ROWS + 3) * PANEL]);

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
    /** What the stored codes were moved by: the lowest code for 4-bit panels, 0 for 8-bit ones. */
    private final float codeOffset;
    private final Layout layout;
    /** A panel's bytes, and where its codes start in it (after all its super-blocks' headers). */
    private final long panelBytes, codesStart;
    /**
     * Where a group's factors are read ({@link #groupFactors}, the one-row tiles): the panels,
     * or for parts a type lacks a constant segment ({@link #ONES} for the flat types'
     * multipliers, {@link #ZERO_MINS} for minimums) at offset 0, which the masks give (0 where
     * the part is missing, all ones where not) — no branch, and less code in the tiles.
     */
    private final MemorySegment scaleMultipliers, minValues, minMultiplierSource;
    private final long multipliersAt, multiplierStride, multiplierMask, minMultiplierMask, minMask;

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
        /** Where a panel's codes start: after the headers of its {@code supers} super-blocks. */
        long codesStart(int supers) { return supers * headerBytes(); }
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
        this.codeOffset = nibbles ? lowestCode : 0;
        this.panelBytes = (long) (cols / superBlock) * layout.superBlockBytes();
        this.codesStart = layout.codesStart(cols / superBlock);
        boolean twoLevel = layout.twoLevel();
        this.scaleMultipliers = twoLevel ? data : ONES;
        this.minValues = hasMins ? data : ZERO_MINS;
        this.minMultiplierSource = twoLevel && hasMins ? data : ONES;
        this.multipliersAt = layout.floatBytes();
        this.multiplierStride = layout.multiplierStride();
        this.multiplierMask = twoLevel ? -1L : 0L;
        this.minMultiplierMask = twoLevel && hasMins ? -1L : 0L;
        this.minMask = hasMins ? -1L : 0L;
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
        Int8Panels panels = repackUnwarmed(rows, cols, source, pool);
        if (!warmedUp) warmUpTiles(pool);
        return panels;
    }

    private static Int8Panels repackUnwarmed(int rows, int cols, RowSource source, ComputePool pool) {
        int group = source.group(), superBlock = source.superBlock();
        if (group != 16 && group != 32) throw new IllegalArgumentException("groups of " + group + " values; 16 or 32 expected");
        if (superBlock % group != 0) throw new IllegalArgumentException("super-blocks of " + superBlock + " values, not a multiple of " + group);
        if (cols % superBlock != 0) throw new IllegalArgumentException("rows of " + cols + " values, not a multiple of " + superBlock);
        Layout layout = layout(source);
        boolean hasMins = layout.hasMins(), nibbles = layout.nibbles(), twoLevel = layout.twoLevel();
        int low = source.lowestCode(), high = source.highestCode();
        MemorySegment data = Arena.ofAuto().allocate(bytesFor(rows, cols, source), 64);
        int supers = cols / superBlock, groups = layout.groups();
        long panelBytes = supers * layout.superBlockBytes(), codesStart = layout.codesStart(supers);
        pool.parallelFor(panelCount(rows), 1, (p0, p1) -> {
            byte[] codes = new byte[cols], groupScales = new byte[cols / group], groupMins = new byte[cols / group];
            float[] scales = new float[supers], mins = new float[supers];
            // A panel is assembled on the heap and copied in one piece: written byte by byte into
            // the segment, each access paid the segment's bounds and liveness checks (half of a
            // 4B model's repacking time).
            byte[] panel = new byte[Math.toIntExact(panelBytes)];
            for (int p = p0; p < p1; p++) {
                Arrays.fill(panel, (byte) 0);
                for (int j = 0; j < PANEL && p * PANEL + j < rows; j++) {
                    int r = p * PANEL + j;
                    source.codes(r, codes, scales, mins, groupScales, groupMins);
                    for (int sb = 0; sb < supers; sb++) {
                        int block = Math.toIntExact(sb * layout.headerBytes());
                        LE_FLOAT.set(panel, block + j * Float.BYTES, scales[sb]);
                        if (hasMins) LE_FLOAT.set(panel, block + (PANEL + j) * Float.BYTES, mins[sb]);
                        for (int gi = 0; gi < groups; gi++) {
                            int g = sb * groups + gi;
                            if (twoLevel) {
                                int multipliers = Math.toIntExact(block + layout.floatBytes() + gi * layout.multiplierStride());
                                panel[multipliers + j] = groupScales[g];
                                if (hasMins) panel[multipliers + PANEL + j] = groupMins[g];
                            }
                            int at = Math.toIntExact(codesStart + g * layout.groupCodeBytes() + j);
                            for (int k = 0; k < group; k++) {
                                int code = codes[g * group + k];
                                if (code < low || code > high) {
                                    throw new IllegalStateException("row " + r + ", column " + (g * group + k) + ": code " + code + " outside " + low + ".." + high);
                                }
                                if (!nibbles) panel[at + k * PANEL] = (byte) code;
                                else if (k % 2 == 0) panel[at + k / 2 * PANEL] = (byte) (code - low);
                                else panel[at + k / 2 * PANEL] |= (byte) ((code - low) << 4);
                            }
                        }
                    }
                }
                MemorySegment.copy(panel, 0, data, ValueLayout.JAVA_BYTE, p * panelBytes, panel.length);
            }
        });
        return new Int8Panels(data, rows, cols, layout, low);
    }

    /** Little-endian floats written into a panel assembled on the heap. */
    private static final VarHandle LE_FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    /** Whether {@link #warmUpTiles} has run in this JVM. */
    private static volatile boolean warmedUp;

    /**
     * Runs the tiles on small panels of every layout (8- and 4-bit codes, flat and two-level
     * scales, with and without minimums, groups of 16 and 32) until C2 has compiled them, at
     * the first repacking, before any prompt (tens of milliseconds). Compiled after a prompt's
     * products, the one-row tile came out boxed under C2 (its vector operations inlined from
     * library methods whose profiles the other kernels had filled: ten times slower); compiled
     * on one layout only, the first matrix of another layout trapped it back to the
     * interpreter, and it was compiled again, slower, after them.
     */
    private static synchronized void warmUpTiles(ComputePool pool) {
        if (warmedUp) return;
        List<Int8Panels> layouts = new ArrayList<>();
        for (int low : new int[] {-8, -128}) {
            for (int[] groups : new int[][] {{32, 32}, {16, 256}, {32, 256}}) {
                for (boolean mins : new boolean[] {false, true}) layouts.add(repackUnwarmed(2 * PANEL, 256, synthetic(groups[0], groups[1], mins, low), pool));
            }
        }
        // Ones: the integer 1 times the scale 1, so the 4-bit tiles in 16-bit lanes take them
        // too (a lone row's integers, a prompt's pairs).
        float[] x = new float[WARM_UP_PROMPT_ROWS * 256], out = new float[WARM_UP_PROMPT_ROWS * 2 * PANEL];
        float[] unitScales = new float[WARM_UP_PROMPT_ROWS * 256 / 16];
        short[] integers = new short[256];
        int[] pairs = new int[WARM_UP_PROMPT_ROWS * 256 / 2];
        Arrays.fill(x, 1f);
        Arrays.fill(integers, (short) 1);
        Arrays.fill(pairs, 1 | 1 << 16);
        Arrays.fill(unitScales, 1f);
        for (int call = 0; call < WARM_UP_CALLS; call++) {
            Int8Panels p = layouts.get(call % layouts.size());
            // Every layout in turn, each taking every kind of call in turn: mostly single rows,
            // decode batches of eight (the 8-row tiles) and of three (AVX-512's 4-row batch tiles,
            // AVX2's 3-row ones), a short prompt (its own entry: the widened block and the prompt
            // tiles, of 4-bit codes in 16-bit lanes) and as many rows without integers (a decode
            // batch of nine to fifteen: the float prompt tiles). A tile left cold here is compiled
            // after the prompts' kernels, and runs C1's boxed vectors until then (a SmolVLM-256M
            // Q4_K_M batch of 8 ran at 4.8 tokens/s on AVX-512 when the 3-row calls were half as
            // many). The kinds once followed the call count modulo 16 and the layouts modulo 12:
            // every batch and prompt went to three of the twelve layouts, and the 8-row 4-bit
            // tile's back-edges stayed near C2's threshold.
            int kind = (call / layouts.size()) % 16;
            int rows = switch (kind) {
                case 3, 7, 11, 15 -> DECODE_ROWS;
                case 5, 13 -> 3;
                case 1, 9 -> WARM_UP_PROMPT_ROWS;
                default -> 1;
            };
            float[] sums = p.groupSums(x, WARM_UP_PROMPT_ROWS);
            if (kind == 9) {
                p.multiplyPrompt(new PanelActivations(x, sums, null, pairs, unitScales, rows), 0, 2, out, 0, 2 * PANEL);
            } else {
                p.multiplyPanels(new PanelActivations(x, sums, integers, null, unitScales, rows), 0, 2, out, 0, 2 * PANEL);
            }
        }
        warmedUp = true;
    }

    /** A source of codes in [low, low + 15] (4-bit panels) or the bytes' range, for {@link #warmUpTiles}. */
    private static RowSource synthetic(int group, int superBlock, boolean mins, int low) {
        return new RowSource() {
            @Override public int group() { return group; }
            @Override public int superBlock() { return superBlock; }
            @Override public boolean hasMins() { return mins; }
            @Override public int lowestCode() { return low; }
            @Override public int highestCode() { return low == -8 ? 7 : 127; }

            @Override
            public void codes(int r, byte[] codes, float[] scales, float[] minimums, byte[] groupScales, byte[] groupMins) {
                for (int k = 0; k < codes.length; k++) codes[k] = (byte) (low + (r + k) % 16);
                Arrays.fill(scales, 0.5f);
                Arrays.fill(minimums, 0.25f);
                Arrays.fill(groupScales, (byte) 3);
                Arrays.fill(groupMins, (byte) 2);
            }
        };
    }

    /** Rows of the warm-up's prompt-like calls: more than a decode batch, so the widened block's path. */
    private static final int WARM_UP_PROMPT_ROWS = DECODE_ROWS + 4;

    /** Calls that get the one-row tile through C1 to C2 (C2 compiles after ~5000 invocations or their loops); -Dloupe.warmUpCalls=0 shows the boxed tile. */
    private static final int WARM_UP_CALLS = Integer.getInteger("loupe.warmUpCalls", 9000);

    public long bytes() { return data.byteSize(); }

    /** Weight row {@code r}, column {@code k}, dequantized from the panels: code times scale, minus the minimum (the type's {@code dequantizeRow} value). */
    float value(int r, int k) {
        long block = (r / PANEL) * panelBytes + (k / superBlock) * layout.headerBytes();
        int j = r % PANEL, gi = k % superBlock / group;
        long multipliers = block + layout.floatBytes() + gi * layout.multiplierStride();
        boolean twoLevel = layout.twoLevel();
        float scale = data.get(Layouts.F32, block + (long) j * Float.BYTES) * (twoLevel ? data.get(ValueLayout.JAVA_BYTE, multipliers + j) : 1);
        float min = hasMins ? data.get(Layouts.F32, block + (long) (PANEL + j) * Float.BYTES) * (twoLevel ? data.get(ValueLayout.JAVA_BYTE, multipliers + PANEL + j) : 1) : 0f;
        long codes = (r / PANEL) * panelBytes + codesStart + (k / group) * layout.groupCodeBytes();
        int code;
        if (nibbles) {
            int pair = data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group / 2) * PANEL + j) & 0xFF;
            code = (k % 2 == 0 ? pair & 15 : pair >> 4) + lowestCode;
        } else {
            code = data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group) * PANEL + j);
        }
        return code * scale - min;
    }

    /** The code stored for weight row {@code r}, column {@code k}, as the tiles convert it (4-bit panels: minus the lowest code). */
    float storedCode(int r, int k) {
        long block = (r / PANEL) * panelBytes + (k / superBlock) * layout.headerBytes();
        int j = r % PANEL, gi = k % superBlock / group;
        long codes = (r / PANEL) * panelBytes + codesStart + (k / group) * layout.groupCodeBytes();
        if (!nibbles) return data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group) * PANEL + j);
        int pair = data.get(ValueLayout.JAVA_BYTE, codes + (long) (k % group / 2) * PANEL + j) & 0xFF;
        return k % 2 == 0 ? pair & 15 : pair >> 4;
    }

    /** Weight row {@code r}'s {@link #groupFactors} for the group holding column {@code k}: {scale, correction}, in scalar arithmetic. */
    float[] factors(int r, int k) {
        long block = (r / PANEL) * panelBytes + (k / superBlock) * layout.headerBytes();
        int j = r % PANEL, gi = k % superBlock / group;
        long multipliers = block + layout.floatBytes() + gi * layout.multiplierStride();
        boolean twoLevel = layout.twoLevel();
        float scale = data.get(Layouts.F32, block + (long) j * Float.BYTES) * (float) (twoLevel ? data.get(ValueLayout.JAVA_BYTE, multipliers + j) : 1);
        float min = (hasMins ? data.get(Layouts.F32, block + (long) (PANEL + j) * Float.BYTES) : 0f)
                * (float) (twoLevel && hasMins ? data.get(ValueLayout.JAVA_BYTE, multipliers + PANEL + j) : 1);
        return new float[] {scale, scale * codeOffset - min};
    }

    /** Values per row (the matrix's columns). */
    public int cols() {
        return cols;
    }

    /** Whether the panels hold 4-bit codes (their types' FAST activations are narrow-scaled integers). */
    public boolean fourBitCodes() {
        return nibbles;
    }

    /**
     * Whether a lone row's product takes its activations' integers ({@link PanelActivations}):
     * 4-bit codes on AVX-512, whose one-row tile multiplies in 16-bit lanes; AVX2's multiplies
     * the floats, so a decode step there does not form integers it would not read.
     */
    public boolean takesIntegers() {
        return nibbles && WIDE_VECTORS;
    }

    /** Columns per group of codes that share a scale. */
    public int group() {
        return group;
    }

    /**
     * Sums of each group of {@link #group} values of each of the {@code m} activation rows of
     * {@code a} (row-major, {@code cols} each), to {@code sums[i * groups + g]}: one float chain
     * from zero in column order, the same floats on every machine. A product forms them once,
     * not per panel: they carry each group's minimum and code offset ({@link #multiplyPanel}).
     */
    public float[] groupSums(float[] a, int m) {
        float[] sums = new float[m * (cols / group)];
        groupSums(a, 0, m, sums);
        return sums;
    }

    /** {@link #groupSums} of rows [i0, i1) only, into an array sized for all of them. */
    public void groupSums(float[] a, int i0, int i1, float[] sums) {
        int groups = cols / group;
        for (int i = i0; i < i1; i++) {
            for (int g = 0, k = i * cols, o = i * groups; g < groups; g++, o++) {
                float s = 0f;
                for (int end = k + group; k < end; k++) s += a[k];
                sums[o] = s;
            }
        }
    }

    /**
     * The factors of group {@code gi} of the super-block at {@code block} for the {@link #PANEL}
     * rows: to {@code f[fo, fo + PANEL)} the scale {@code s = d * sc} (for the flat types
     * {@code d * 1}), to {@code f[fo + PANEL, fo + 2 PANEL)} the correction
     * {@code low * s - dmin * m} ({@code low}: the code offset 4-bit panels take off, 0 for
     * 8-bit panels; the minimum 0 for types without). The one-row tiles form the same floats
     * with the same operations in their registers.
     */
    private void groupFactors(long block, int gi, float[] f, int fo) {
        long multipliers = (block + multipliersAt + gi * multiplierStride) & multiplierMask;
        long minMultipliers = (multipliers + PANEL) & minMultiplierMask, mins = (block + (long) PANEL * Float.BYTES) & minMask;
        for (int v = 0; v < PANEL; v += L) {
            FloatVector scale = FloatVector.fromMemorySegment(S, data, block + 4L * v, Layouts.LE)
                    .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, multipliers + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
            scale.intoArray(f, fo + v);
            FloatVector min = FloatVector.fromMemorySegment(S, minValues, mins + 4L * v, Layouts.LE)
                    .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, minMultipliers + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
            scale.mul(codeOffset).sub(min).intoArray(f, fo + PANEL + v);
        }
    }

    /**
     * Panels {@link #multiplyPanels} runs together for {@code m} activation rows: a lone row's
     * decode step takes them in pairs, so a caller splitting panels over threads splits pairs
     * (an odd one out is paired with itself: its work done twice).
     */
    public static int panelsTogether(int m) {
        return m == 1 ? 2 : 1;
    }

    /**
     * {@link #multiplyPanel} for panels {@code [p0, p1)}: panel p's outputs at
     * {@code c[cOff + i * ldc + (p - p0) * PANEL]}. A lone row's decode step runs the panels two
     * at a time ({@link #tile1}: six independent FMA chains where one panel gave three, whose
     * latency held a core well below its FMA throughput: Q4_K 22%, Q6_K 31% faster on AVX-512,
     * 7-13% on AVX2), an odd last panel paired with itself.
     */
    public void multiplyPanels(PanelActivations x, int p0, int p1, float[] c, int cOff, int ldc) {
        float[] a = x.values(), sums = x.groupSums();
        int m = x.rows();
        if (batchTiles(m)) {
            // The eight-row tiles read the rows interleaved, once for all the panels: a column's
            // eight activations (and a group's eight sums) side by side at one offset. Read in
            // place, eight offsets took eight registers, and C2 spilled and recomputed addresses
            // in the loop (Q8_0 20.6 -> 25.8 GMAC/s interleaved, Q6_K 17.7 -> 18.8, one thread
            // under AVX2). AVX2's eight-row 4-bit tile reads them in place: interleaved, C2 loaded
            // six broadcasts ahead and spilled a chain (Q4_K 25 -> 22).
            float[] at = a, st = sums;
            if (!nibbles || WIDE_VECTORS || m <= 3) {
                int groups = cols / group;
                at = INTERLEAVED.get();
                st = INTERLEAVED_SUMS.get();
                if (at.length < DECODE_ROWS * cols) INTERLEAVED.set(at = new float[DECODE_ROWS * cols]);
                if (st.length < DECODE_ROWS * groups) INTERLEAVED_SUMS.set(st = new float[DECODE_ROWS * groups]);
                interleave(a, m, cols, at);
                interleave(sums, m, groups, st);
            }
            for (int p = p0; p < p1; p++) multiplyBatch(at, st, m, p, c, cOff + (p - p0) * PANEL, ldc);
            return;
        }
        if (m != 1) {
            for (int p = p0; p < p1; p++) multiplyPanel(x, p, c, cOff + (p - p0) * PANEL, ldc);
            return;
        }
        short[] integers = x.integers();
        boolean inIntegers = takesIntegers();
        if (inIntegers && integers == null) throw new IllegalArgumentException("a lone row against 4-bit panels comes with its integers (PanelActivations.ofRow)");
        float[] tail = TAIL.get(), oneRow = inIntegers ? ONE_ROW.get() : null;
        for (int p = p0; p < p1; p += 2) {
            int q = Math.min(p + 1, p1 - 1);
            int n = Math.min(PANEL, rows - p * PANEL), nq = Math.min(PANEL, rows - q * PANEL);
            // A narrow panel (the matrix's last) and the repeated one write to the thread's scratch.
            float[] cp = n == PANEL ? c : tail, cq = nq == PANEL && q != p ? c : tail;
            int at = cOff + (p - p0) * PANEL, atQ = at + (q - p) * PANEL;
            int op = cp == c ? at : 0, oq = cq == c ? atQ : PANEL;
            if (inIntegers) tile1Nibbles(integers, x.groupScales(), sums, p * panelBytes, q * panelBytes, cp, op, cq, oq, oneRow);
            else if (nibbles) tile1NibblesInFloats(a, sums, p * panelBytes, q * panelBytes, cp, op, cq, oq);
            else tile1(a, sums, p * panelBytes, q * panelBytes, cp, op, cq, oq);
            if (n < PANEL) System.arraycopy(tail, 0, c, at, n);
            if (q != p && nq < PANEL) System.arraycopy(tail, PANEL, c, atQ, nq);
        }
    }

    /**
     * A prompt's product ({@link PanelActivations#ofPromptRows}: more rows than a decode batch)
     * for panels {@code [p0, p1)}, panel p's outputs at {@code c[cOff + i * ldc + (p - p0) * PANEL]}:
     * {@link #multiplyPanel}'s floats. Rows that come with their integers in pairs, against 4-bit
     * codes, are multiplied in 16-bit integer lanes ({@link #tilePairs3}: 1.3-1.5x the float
     * tile's multiply-adds). An entry of its own, apart from the decode steps'
     * {@link #multiplyPanels}: compiled together, a prompt's first products trapped that
     * dispatcher out of C2, and a batch of eight right after a prompt ran C1's boxed 8-row tile
     * for tens of seconds (Qwen3-VL-4B Q4_K_M on AVX-512: 2.9-10.7 tokens/s, thousands of
     * collections, against 9.6-11.9).
     */
    public void multiplyPrompt(PanelActivations x, int p0, int p1, float[] c, int cOff, int ldc) {
        if (nibbles && x.integerPairs() != null) {
            for (int p = p0; p < p1; p++) multiplyPanelInPairs(x, p, c, cOff + (p - p0) * PANEL, ldc);
        } else {
            for (int p = p0; p < p1; p++) multiplyPanel(x, p, c, cOff + (p - p0) * PANEL, ldc);
        }
    }

    /**
     * {@link #multiplyPanel} of a prompt's rows with their integers in pairs against a 4-bit
     * panel: each block of {@link PackedGemm#DEPTH_BLOCK} columns widened to 16-bit code pairs
     * once ({@link #widenPairs}), then 4-row tiles over it on AVX-512 ({@link #tilePairs4}),
     * 3-row tiles under AVX2 ({@link #tilePairs3}).
     */
    private void multiplyPanelInPairs(PanelActivations activations, int p, float[] c, int cOff, int ldc) {
        int m = activations.rows();
        int[] pairs = activations.integerPairs();
        float[] sums = activations.groupSums(), u = activations.groupScales();
        int n = Math.min(PANEL, rows - p * PANEL);
        long panel = p * panelBytes;
        float[] f = FACTORS.get();
        short[] w = WIDENED_PAIRS.get();
        float[] x = promptAccumulators(m);
        int depth = PackedGemm.DEPTH_BLOCK, groups = cols / group, half = cols / 2;
        for (int k0 = 0; k0 < cols; k0 += depth) {
            int k1 = Math.min(cols, k0 + depth), g0 = k0 / group, kp = k0 / 2;
            widenPairs(panel, k0, k1, f, w);
            if (WIDE_VECTORS) {
                for (int i = 0; i < m; i += 4) {
                    int last = Math.min(4, m - i) - 1;
                    int r1 = i + Math.min(1, last), r2 = i + Math.min(2, last), r3 = i + last;
                    tilePairs4(pairs, i * half + kp, r1 * half + kp, r2 * half + kp, r3 * half + kp,
                            u, sums, i * groups + g0, r1 * groups + g0, r2 * groups + g0, r3 * groups + g0,
                            w, f, (k1 - k0) / group, group, x,
                            i * PANEL, (last >= 1 ? r1 : m) * PANEL, (last >= 2 ? r2 : m + 1) * PANEL, (last >= 3 ? r3 : m + 2) * PANEL);
                }
            } else {
                for (int i = 0; i < m; i += 3) {
                    int last = Math.min(3, m - i) - 1;
                    int r1 = i + Math.min(1, last), r2 = i + last;
                    tilePairs3(pairs, i * half + kp, r1 * half + kp, r2 * half + kp,
                            u, sums, i * groups + g0, r1 * groups + g0, r2 * groups + g0,
                            w, f, (k1 - k0) / group, group, x,
                            i * PANEL, (last >= 1 ? r1 : m) * PANEL, (last >= 2 ? r2 : m + 1) * PANEL);
                }
            }
        }
        for (int i = 0; i < m; i++) System.arraycopy(x, i * PANEL, c, cOff + i * ldc, n);
    }

    /**
     * The thread's running outputs of a prompt's m rows against one panel, the m rows zeroed,
     * with three rows more: the prompt tiles' spare rows past m (the last row repeated) write
     * there, so that no row's output is updated twice.
     */
    private static float[] promptAccumulators(int m) {
        float[] x = ACCUMULATORS.get();
        if (x.length < (m + 3) * PANEL) ACCUMULATORS.set(x = new float[(m + 3) * PANEL]);
        Arrays.fill(x, 0, m * PANEL, 0f);
        return x;
    }

    /**
     * {@code c[cOff + i * ldc + (j - r0)] = Σ_k a[i * cols + k] · W[j][k]} for the {@code m}
     * activation rows of {@code a} (row-major, {@code cols} each; {@code sums} their
     * {@link #groupSums}) and the weight rows of panel {@code p}; columns past the matrix's last
     * row are not written.
     *
     * <p>Each output is, group by group in column order: the group's codes times the
     * activations, one FMA chain from zero ({@code y = fma(a_k, q_k, y)}, the stored code
     * {@code q} as a float); then {@code x = fma(y, s, x)} and {@code x = fma(Σa, low s - m, x)},
     * from {@code x = 0} — ggml's order (integer sums per block, scaled once), in floats. Codes
     * are only converted per weight, never scaled: that is what a decode step's weight costs
     * (a conversion and an FMA instead of a conversion, a multiply, a subtraction and an FMA).
     * Whatever the rows, tiles and threads, an output is that same sequence of operations, so a
     * sequence's floats do not depend on its batch, and a prompt's product and a decode step's
     * of the same row agree bit for bit. (The one-row tile and the prompt tiles of 4-bit panels
     * sum a group in integers: with its activations' narrow scales the float chain is exact, the
     * same number. A prompt's rows come through {@link #multiplyPrompt}.)
     */
    public void multiplyPanel(PanelActivations activations, int p, float[] c, int cOff, int ldc) {
        int m = activations.rows();
        if (m == 1 || batchTiles(m)) {
            multiplyPanels(activations, p, p + 1, c, cOff, ldc);
            return;
        }
        float[] a = activations.values(), sums = activations.groupSums();
        int n = Math.min(PANEL, rows - p * PANEL);
        long panel = p * panelBytes;
        float[] f = FACTORS.get(), block = WIDENED.get();
        float[] x = promptAccumulators(m);
        int depth = PackedGemm.DEPTH_BLOCK;
        int groups = cols / group;
        for (int k0 = 0; k0 < cols; k0 += depth) {
            int k1 = Math.min(cols, k0 + depth), g0 = k0 / group;
            if (nibbles) widenNibbles(panel, k0, k1, f, block);
            else widen(panel, k0, k1, f, block);
            if (WIDE_VECTORS) {
                for (int i = 0; i < m; i += 4) {
                    int last = Math.min(4, m - i) - 1;
                    int r1 = i + Math.min(1, last), r2 = i + Math.min(2, last), r3 = i + last;
                    tile4(a, i * cols + k0, r1 * cols + k0, r2 * cols + k0, r3 * cols + k0,
                            sums, i * groups + g0, r1 * groups + g0, r2 * groups + g0, r3 * groups + g0,
                            block, f, (k1 - k0) / group, group, x,
                            i * PANEL, (last >= 1 ? r1 : m) * PANEL, (last >= 2 ? r2 : m + 1) * PANEL, (last >= 3 ? r3 : m + 2) * PANEL);
                }
            } else {
                for (int i = 0; i < m; i += 3) {
                    int last = Math.min(3, m - i) - 1;
                    int r1 = i + Math.min(1, last), r2 = i + last;
                    tile3(a, i * cols + k0, r1 * cols + k0, r2 * cols + k0,
                            sums, i * groups + g0, r1 * groups + g0, r2 * groups + g0,
                            block, f, (k1 - k0) / group, group, x,
                            i * PANEL, (last >= 1 ? r1 : m) * PANEL, (last >= 2 ? r2 : m + 1) * PANEL);
                }
            }
        }
        for (int i = 0; i < m; i++) System.arraycopy(x, i * PANEL, c, cOff + i * ldc, n);
    }

    /**
     * The codes of columns [k0, k1) of a panel (whole groups) as floats, k-major from
     * {@code out[0]}, and each group's {@link #groupFactors} to {@code f}, group after group.
     */
    private void widen(long panel, int k0, int k1, float[] f, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        for (int gAll = k0 / g, o = 0, fo = 0; gAll < k1 / g; gAll++, fo += 2 * PANEL) {
            int gi = gAll % groups;
            long block = panel + (long) (gAll / groups) * header, code = panel + codesStart + gAll * layout.groupCodeBytes();
            groupFactors(block, gi, f, fo);
            for (int kk = 0; kk < g; kk++, code += PANEL, o += PANEL) {
                ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).intoArray(out, o);
                ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).intoArray(out, o + L);
                ((FloatVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)).intoArray(out, o + 2 * L);
            }
        }
    }

    /**
     * {@link #widen} of 4-bit panels for the 16-bit prompt tiles ({@link #tilePairs3}): per
     * column pair (k, k + 1) the panel's three vectors of L rows as 2L shorts, row j's two codes
     * side by side (lane 2j column k, lane 2j + 1 column k + 1: a byte's low and high nibble,
     * moved into an int's two halves), to {@code out} from 0; the groups' factors to {@code f}.
     */
    private void widenPairs(long panel, int k0, int k1, float[] f, short[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        for (int gAll = k0 / g, o = 0, fo = 0; gAll < k1 / g; gAll++, fo += 2 * PANEL) {
            int gi = gAll % groups;
            long block = panel + (long) (gAll / groups) * header, code = panel + codesStart + gAll * layout.groupCodeBytes();
            groupFactors(block, gi, f, fo);
            for (int kk = 0; kk < g; kk += 2, code += PANEL, o += 2 * PANEL) {
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                q0.and(15).or(q0.lanewise(VectorOperators.LSHL, 12).and(0xF0000)).reinterpretAsShorts().intoArray(out, o);
                q1.and(15).or(q1.lanewise(VectorOperators.LSHL, 12).and(0xF0000)).reinterpretAsShorts().intoArray(out, o + 2 * L);
                q2.and(15).or(q2.lanewise(VectorOperators.LSHL, 12).and(0xF0000)).reinterpretAsShorts().intoArray(out, o + 4 * L);
            }
        }
    }

    /**
     * A prompt's three activation rows against a 4-bit panel's {@link #widenPairs widened block},
     * in 16-bit integer lanes: {@link #tile3}'s outputs, the same floats. Each column pair's
     * three code vectors are multiplied by a row's two integers (one int broadcast: column k's
     * in the low half, k + 1's in the high one, {@link PanelActivations#integerPairs}) and added
     * into nine short chains, 2L products per multiply and add where a float FMA does L. A lane
     * sums at most half a group's products (16 of a code at most 15 and an integer at most 127
     * in magnitude: 30480, within a short). At the group's end each chain's two halves (the
     * pair's columns) are sign-extended and added as ints, converted (exact, below 2^16) and
     * multiplied by the row's group scale: exact too (8 significant bits), so it is the float
     * chain's sum of {@code code * q * u} ({@link ActivationRounding#narrowScaled}: exact in any
     * order), and the outputs take tile3's two FMAs. One thread, a 2560 x 2560 Q4_K matrix and
     * 64 rows, Zen 4: 29-30 -> 40-42 GMAC/s under AVX2; AVX-512 runs {@link #tilePairs4}.
     * (Products of 16-bit lanes equal FMAs in throughput there, and pay an add; a group's end
     * costs a chain eight operations, a third of the tile at groups of 32.) The pair sums are
     * written out per chain: a helper taking the chain came out boxed under C2 (400 KB per
     * 13-row call of KernelAllocationProbe, 14 GMAC/s).
     */
    private static void tilePairs3(int[] a, int a0, int a1, int a2, float[] u, float[] sums, int s0, int s1, int s2,
                                   short[] w, float[] f, int groups, int g, float[] x, int x0, int x1, int x2) {
        for (int gi = 0, kp = 0, wo = 0; gi < groups; gi++) {
            ShortVector y00 = ShortVector.zero(SHORTS), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
            ShortVector y20 = y00, y21 = y00, y22 = y00;
            for (int end = kp + g / 2; kp < end; kp++, wo += 2 * PANEL) {
                ShortVector w0 = ShortVector.fromArray(SHORTS, w, wo);
                ShortVector w1 = ShortVector.fromArray(SHORTS, w, wo + 2 * L);
                ShortVector w2 = ShortVector.fromArray(SHORTS, w, wo + 4 * L);
                ShortVector v = IntVector.broadcast(IS, a[a0 + kp]).reinterpretAsShorts();
                y00 = y00.add(w0.mul(v));
                y01 = y01.add(w1.mul(v));
                y02 = y02.add(w2.mul(v));
                v = IntVector.broadcast(IS, a[a1 + kp]).reinterpretAsShorts();
                y10 = y10.add(w0.mul(v));
                y11 = y11.add(w1.mul(v));
                y12 = y12.add(w2.mul(v));
                v = IntVector.broadcast(IS, a[a2 + kp]).reinterpretAsShorts();
                y20 = y20.add(w0.mul(v));
                y21 = y21.add(w1.mul(v));
                y22 = y22.add(w2.mul(v));
            }
            int fo = gi * 2 * PANEL;
            FloatVector t0 = FloatVector.broadcast(S, sums[s0 + gi]), t1 = FloatVector.broadcast(S, sums[s1 + gi]);
            FloatVector t2 = FloatVector.broadcast(S, sums[s2 + gi]);
            FloatVector u0 = FloatVector.broadcast(S, u[s0 + gi]), u1 = FloatVector.broadcast(S, u[s1 + gi]);
            FloatVector u2 = FloatVector.broadcast(S, u[s2 + gi]);
            FloatVector sc = FloatVector.fromArray(S, f, fo), co = FloatVector.fromArray(S, f, fo + PANEL);
            t0.fma(co, ((FloatVector) y00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0))).intoArray(x, x0);
            t1.fma(co, ((FloatVector) y10.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y10.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1))).intoArray(x, x1);
            t2.fma(co, ((FloatVector) y20.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y20.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2))).intoArray(x, x2);
            sc = FloatVector.fromArray(S, f, fo + L);
            co = FloatVector.fromArray(S, f, fo + PANEL + L);
            t0.fma(co, ((FloatVector) y01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0 + L))).intoArray(x, x0 + L);
            t1.fma(co, ((FloatVector) y11.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y11.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1 + L))).intoArray(x, x1 + L);
            t2.fma(co, ((FloatVector) y21.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y21.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2 + L))).intoArray(x, x2 + L);
            sc = FloatVector.fromArray(S, f, fo + 2 * L);
            co = FloatVector.fromArray(S, f, fo + PANEL + 2 * L);
            t0.fma(co, ((FloatVector) y02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0 + 2 * L))).intoArray(x, x0 + 2 * L);
            t1.fma(co, ((FloatVector) y12.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y12.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1 + 2 * L))).intoArray(x, x1 + 2 * L);
            t2.fma(co, ((FloatVector) y22.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y22.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2 + 2 * L))).intoArray(x, x2 + 2 * L);
        }
    }

    /** {@link #tilePairs3} for four rows, AVX-512's: twelve chains. AVX-512, the same matrix: 38-40 -> 43-48 GMAC/s. */
    private static void tilePairs4(int[] a, int a0, int a1, int a2, int a3, float[] u, float[] sums, int s0, int s1, int s2, int s3,
                                   short[] w, float[] f, int groups, int g, float[] x, int x0, int x1, int x2, int x3) {
        for (int gi = 0, kp = 0, wo = 0; gi < groups; gi++) {
            ShortVector y00 = ShortVector.zero(SHORTS), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
            ShortVector y20 = y00, y21 = y00, y22 = y00, y30 = y00, y31 = y00, y32 = y00;
            for (int end = kp + g / 2; kp < end; kp++, wo += 2 * PANEL) {
                ShortVector w0 = ShortVector.fromArray(SHORTS, w, wo);
                ShortVector w1 = ShortVector.fromArray(SHORTS, w, wo + 2 * L);
                ShortVector w2 = ShortVector.fromArray(SHORTS, w, wo + 4 * L);
                ShortVector v = IntVector.broadcast(IS, a[a0 + kp]).reinterpretAsShorts();
                y00 = y00.add(w0.mul(v));
                y01 = y01.add(w1.mul(v));
                y02 = y02.add(w2.mul(v));
                v = IntVector.broadcast(IS, a[a1 + kp]).reinterpretAsShorts();
                y10 = y10.add(w0.mul(v));
                y11 = y11.add(w1.mul(v));
                y12 = y12.add(w2.mul(v));
                v = IntVector.broadcast(IS, a[a2 + kp]).reinterpretAsShorts();
                y20 = y20.add(w0.mul(v));
                y21 = y21.add(w1.mul(v));
                y22 = y22.add(w2.mul(v));
                v = IntVector.broadcast(IS, a[a3 + kp]).reinterpretAsShorts();
                y30 = y30.add(w0.mul(v));
                y31 = y31.add(w1.mul(v));
                y32 = y32.add(w2.mul(v));
            }
            int fo = gi * 2 * PANEL;
            FloatVector t0 = FloatVector.broadcast(S, sums[s0 + gi]), t1 = FloatVector.broadcast(S, sums[s1 + gi]);
            FloatVector t2 = FloatVector.broadcast(S, sums[s2 + gi]);
            FloatVector u0 = FloatVector.broadcast(S, u[s0 + gi]), u1 = FloatVector.broadcast(S, u[s1 + gi]);
            FloatVector u2 = FloatVector.broadcast(S, u[s2 + gi]), t3 = FloatVector.broadcast(S, sums[s3 + gi]), u3 = FloatVector.broadcast(S, u[s3 + gi]);
            FloatVector sc = FloatVector.fromArray(S, f, fo), co = FloatVector.fromArray(S, f, fo + PANEL);
            t0.fma(co, ((FloatVector) y00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0))).intoArray(x, x0);
            t1.fma(co, ((FloatVector) y10.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y10.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1))).intoArray(x, x1);
            t2.fma(co, ((FloatVector) y20.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y20.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2))).intoArray(x, x2);
            t3.fma(co, ((FloatVector) y30.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y30.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u3).fma(sc, FloatVector.fromArray(S, x, x3))).intoArray(x, x3);
            sc = FloatVector.fromArray(S, f, fo + L);
            co = FloatVector.fromArray(S, f, fo + PANEL + L);
            t0.fma(co, ((FloatVector) y01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0 + L))).intoArray(x, x0 + L);
            t1.fma(co, ((FloatVector) y11.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y11.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1 + L))).intoArray(x, x1 + L);
            t2.fma(co, ((FloatVector) y21.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y21.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2 + L))).intoArray(x, x2 + L);
            t3.fma(co, ((FloatVector) y31.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y31.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u3).fma(sc, FloatVector.fromArray(S, x, x3 + L))).intoArray(x, x3 + L);
            sc = FloatVector.fromArray(S, f, fo + 2 * L);
            co = FloatVector.fromArray(S, f, fo + PANEL + 2 * L);
            t0.fma(co, ((FloatVector) y02.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y02.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u0).fma(sc, FloatVector.fromArray(S, x, x0 + 2 * L))).intoArray(x, x0 + 2 * L);
            t1.fma(co, ((FloatVector) y12.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y12.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u1).fma(sc, FloatVector.fromArray(S, x, x1 + 2 * L))).intoArray(x, x1 + 2 * L);
            t2.fma(co, ((FloatVector) y22.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y22.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u2).fma(sc, FloatVector.fromArray(S, x, x2 + 2 * L))).intoArray(x, x2 + 2 * L);
            t3.fma(co, ((FloatVector) y32.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(y32.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).mul(u3).fma(sc, FloatVector.fromArray(S, x, x3 + 2 * L))).intoArray(x, x3 + 2 * L);
        }
    }


    /**
     * {@link #widen} of 4-bit panels: a byte holds two columns' codes (column k in the low
     * nibble, k + 1 in the high one, each minus the type's lowest code, which the correction
     * adds back); they are zero-extended to ints, split with a mask (low) and a shift (high: no
     * mask needed after zero extension; int lanes, as AVX2 has no byte shifts) and converted.
     */
    private void widenNibbles(long panel, int k0, int k1, float[] f, float[] out) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        for (int gAll = k0 / g, o = 0, fo = 0; gAll < k1 / g; gAll++, fo += 2 * PANEL) {
            int gi = gAll % groups;
            long block = panel + (long) (gAll / groups) * header, code = panel + codesStart + gAll * layout.groupCodeBytes();
            groupFactors(block, gi, f, fo);
            for (int kk = 0; kk < g; kk += 2, code += PANEL, o += 2 * PANEL) {
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, code + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                ((FloatVector) q0.and(15).convert(VectorOperators.I2F, 0)).intoArray(out, o);
                ((FloatVector) q1.and(15).convert(VectorOperators.I2F, 0)).intoArray(out, o + L);
                ((FloatVector) q2.and(15).convert(VectorOperators.I2F, 0)).intoArray(out, o + 2 * L);
                ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(out, o + PANEL);
                ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(out, o + PANEL + L);
                ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).intoArray(out, o + PANEL + 2 * L);
            }
        }
    }

    /**
     * Four activation rows (at a0..a3 in {@code a}, their group sums at s0..s3) against the
     * converted codes {@code w} of {@code groups} groups of {@code g} columns and their factors
     * {@code f}, continuing the outputs at x0..x3 of {@code x}: per group, 12 chains from zero in
     * registers (three panel vectors by four rows), then each output's two FMAs.
     */
    private static void tile4(float[] a, int a0, int a1, int a2, int a3, float[] sums, int s0, int s1, int s2, int s3,
                              float[] w, float[] f, int groups, int g, float[] x, int x0, int x1, int x2, int x3) {
        // AVX-512's tile (AVX2 runs tile3): the outputs stay in its 32 registers over the block.
        FloatVector o00 = FloatVector.fromArray(S, x, x0), o01 = FloatVector.fromArray(S, x, x0 + L), o02 = FloatVector.fromArray(S, x, x0 + 2 * L);
        FloatVector o10 = FloatVector.fromArray(S, x, x1), o11 = FloatVector.fromArray(S, x, x1 + L), o12 = FloatVector.fromArray(S, x, x1 + 2 * L);
        FloatVector o20 = FloatVector.fromArray(S, x, x2), o21 = FloatVector.fromArray(S, x, x2 + L), o22 = FloatVector.fromArray(S, x, x2 + 2 * L);
        FloatVector o30 = FloatVector.fromArray(S, x, x3), o31 = FloatVector.fromArray(S, x, x3 + L), o32 = FloatVector.fromArray(S, x, x3 + 2 * L);
        for (int gi = 0, k = 0, wo = 0; gi < groups; gi++) {
            FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
            FloatVector y20 = y00, y21 = y00, y22 = y00, y30 = y00, y31 = y00, y32 = y00;
            for (int end = k + g; k < end; k++, wo += PANEL) {
                FloatVector w0 = FloatVector.fromArray(S, w, wo);
                FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
                FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
                FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                y00 = v.fma(w0, y00);
                y01 = v.fma(w1, y01);
                y02 = v.fma(w2, y02);
                v = FloatVector.broadcast(S, a[a1 + k]);
                y10 = v.fma(w0, y10);
                y11 = v.fma(w1, y11);
                y12 = v.fma(w2, y12);
                v = FloatVector.broadcast(S, a[a2 + k]);
                y20 = v.fma(w0, y20);
                y21 = v.fma(w1, y21);
                y22 = v.fma(w2, y22);
                v = FloatVector.broadcast(S, a[a3 + k]);
                y30 = v.fma(w0, y30);
                y31 = v.fma(w1, y31);
                y32 = v.fma(w2, y32);
            }
            int fo = gi * 2 * PANEL;
            FloatVector t0 = FloatVector.broadcast(S, sums[s0 + gi]), t1 = FloatVector.broadcast(S, sums[s1 + gi]);
            FloatVector t2 = FloatVector.broadcast(S, sums[s2 + gi]), t3 = FloatVector.broadcast(S, sums[s3 + gi]);
            FloatVector sc = FloatVector.fromArray(S, f, fo), co = FloatVector.fromArray(S, f, fo + PANEL);
            o00 = t0.fma(co, y00.fma(sc, o00));
            o10 = t1.fma(co, y10.fma(sc, o10));
            o20 = t2.fma(co, y20.fma(sc, o20));
            o30 = t3.fma(co, y30.fma(sc, o30));
            sc = FloatVector.fromArray(S, f, fo + L);
            co = FloatVector.fromArray(S, f, fo + PANEL + L);
            o01 = t0.fma(co, y01.fma(sc, o01));
            o11 = t1.fma(co, y11.fma(sc, o11));
            o21 = t2.fma(co, y21.fma(sc, o21));
            o31 = t3.fma(co, y31.fma(sc, o31));
            sc = FloatVector.fromArray(S, f, fo + 2 * L);
            co = FloatVector.fromArray(S, f, fo + PANEL + 2 * L);
            o02 = t0.fma(co, y02.fma(sc, o02));
            o12 = t1.fma(co, y12.fma(sc, o12));
            o22 = t2.fma(co, y22.fma(sc, o22));
            o32 = t3.fma(co, y32.fma(sc, o32));
        }
        o00.intoArray(x, x0);
        o01.intoArray(x, x0 + L);
        o02.intoArray(x, x0 + 2 * L);
        o10.intoArray(x, x1);
        o11.intoArray(x, x1 + L);
        o12.intoArray(x, x1 + 2 * L);
        o20.intoArray(x, x2);
        o21.intoArray(x, x2 + L);
        o22.intoArray(x, x2 + 2 * L);
        o30.intoArray(x, x3);
        o31.intoArray(x, x3 + L);
        o32.intoArray(x, x3 + 2 * L);
    }

    /**
     * {@link #tile4} for three rows, AVX2's: twelve chains, three code vectors and a broadcast are
     * all sixteen of its registers, and C2 spilled two chains inside the k loop (a 64-row Q4_K
     * prompt product at 36% of the FMA peak on AMD EPYC). Nine chains leave room; the outputs
     * are read and written per group. Per output the same operations as tile4's.
     */
    private static void tile3(float[] a, int a0, int a1, int a2, float[] sums, int s0, int s1, int s2,
                              float[] w, float[] f, int groups, int g, float[] x, int x0, int x1, int x2) {
        for (int gi = 0, k = 0, wo = 0; gi < groups; gi++) {
            FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
            FloatVector y20 = y00, y21 = y00, y22 = y00;
            for (int end = k + g; k < end; k++, wo += PANEL) {
                FloatVector w0 = FloatVector.fromArray(S, w, wo);
                FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
                FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
                FloatVector v = FloatVector.broadcast(S, a[a0 + k]);
                y00 = v.fma(w0, y00);
                y01 = v.fma(w1, y01);
                y02 = v.fma(w2, y02);
                v = FloatVector.broadcast(S, a[a1 + k]);
                y10 = v.fma(w0, y10);
                y11 = v.fma(w1, y11);
                y12 = v.fma(w2, y12);
                v = FloatVector.broadcast(S, a[a2 + k]);
                y20 = v.fma(w0, y20);
                y21 = v.fma(w1, y21);
                y22 = v.fma(w2, y22);
            }
            int fo = gi * 2 * PANEL;
            FloatVector t0 = FloatVector.broadcast(S, sums[s0 + gi]), t1 = FloatVector.broadcast(S, sums[s1 + gi]);
            FloatVector t2 = FloatVector.broadcast(S, sums[s2 + gi]);
            FloatVector sc = FloatVector.fromArray(S, f, fo), co = FloatVector.fromArray(S, f, fo + PANEL);
            t0.fma(co, y00.fma(sc, FloatVector.fromArray(S, x, x0))).intoArray(x, x0);
            t1.fma(co, y10.fma(sc, FloatVector.fromArray(S, x, x1))).intoArray(x, x1);
            t2.fma(co, y20.fma(sc, FloatVector.fromArray(S, x, x2))).intoArray(x, x2);
            sc = FloatVector.fromArray(S, f, fo + L);
            co = FloatVector.fromArray(S, f, fo + PANEL + L);
            t0.fma(co, y01.fma(sc, FloatVector.fromArray(S, x, x0 + L))).intoArray(x, x0 + L);
            t1.fma(co, y11.fma(sc, FloatVector.fromArray(S, x, x1 + L))).intoArray(x, x1 + L);
            t2.fma(co, y21.fma(sc, FloatVector.fromArray(S, x, x2 + L))).intoArray(x, x2 + L);
            sc = FloatVector.fromArray(S, f, fo + 2 * L);
            co = FloatVector.fromArray(S, f, fo + PANEL + 2 * L);
            t0.fma(co, y02.fma(sc, FloatVector.fromArray(S, x, x0 + 2 * L))).intoArray(x, x0 + 2 * L);
            t1.fma(co, y12.fma(sc, FloatVector.fromArray(S, x, x1 + 2 * L))).intoArray(x, x1 + 2 * L);
            t2.fma(co, y22.fma(sc, FloatVector.fromArray(S, x, x2 + 2 * L))).intoArray(x, x2 + 2 * L);
        }
    }

    /**
     * Whether a batch of m rows runs the decode-batch tiles, which convert codes in registers:
     * the eight-row tiles for five to eight sequences (under AVX2 four of 4-bit codes too), for
     * two to four AVX-512's four-row ones and AVX2's three-row ones; a prompt's rows the widened
     * block and the 4-row (3-row) tile.
     */
    private static boolean batchTiles(int m) {
        return m > 1 && m <= DECODE_ROWS;
    }

    /**
     * {@code out[k * 8 + i] = v[min(i, m - 1) * n + k]}: the m rows of n values of {@code v}
     * column by column, the last row repeated into the spare places up to eight.
     */
    private static void interleave(float[] v, int m, int n, float[] out) {
        for (int i = 0; i < DECODE_ROWS; i++) {
            int from = Math.min(i, m - 1) * n;
            for (int k = 0; k < n; k++) out[k * DECODE_ROWS + i] = v[from + k];
        }
    }

    /**
     * A decode step of m sequences ({@link #batchTiles}) against panel p: the codes converted in
     * registers, each used for eight rows (when m is at most four: four on AVX-512, three under
     * AVX2, in two passes for four 8-bit rows; the last row repeated into spare outputs), nothing
     * widened. The activations and sums are {@link #interleave}d, except for AVX2's eight-row
     * 4-bit tile, which reads the rows in place.
     */
    private void multiplyBatch(float[] a, float[] sums, int m, int p, float[] c, int cOff, int ldc) {
        int n = Math.min(PANEL, rows - p * PANEL);
        long panel = p * panelBytes;
        // The thread's buffers are looked up here, not in the tiles: an inlined ThreadLocal lookup
        // that missed its first slot on a pool thread (never in the warm-up) trapped tile8x3Nibbles
        // out of C2 at a batch's first step, and it ran C1's boxed vectors until recompiled
        // (Qwen3-VL-4B Q4_K_M, B=8 6 tokens/s instead of 12 in some runs).
        float[] x = ACCUMULATORS.get(), ys = CHAINS.get();
        Arrays.fill(x, 0, DECODE_ROWS * PANEL, 0f);
        if (WIDE_VECTORS && m <= 4) {
            if (nibbles) tile4x3Nibbles(a, sums, panel, x, ys);
            else tile4x3(a, sums, panel, x, ys);
        } else if (nibbles && m <= 3) {
            tile3x3Nibbles(a, sums, panel, x, ys);
        } else if (!nibbles && m <= 4) {
            for (int r0 = 0; r0 < m; r0 += 3) tile3x3(a, sums, panel, x, r0, ys);
        } else if (WIDE_VECTORS) {
            if (nibbles) tile8x3Nibbles(a, sums, panel, x, ys);
            else tile8x3(a, sums, panel, x, ys);
        } else if (nibbles) tile8Nibbles(a, sums, m, panel, x);
        else tile8(a, sums, panel, x);
        for (int i = 0; i < m; i++) System.arraycopy(x, i * PANEL, c, cOff + i * ldc, n);
    }

    /*
     * AVX2's eight-row tiles: a decode step of five to eight sequences against one panel, a panel
     * vector at a time (eight chains, one converted code vector and a broadcast: ten registers,
     * so AVX2's sixteen hold them too). Each code is loaded and converted once for the eight rows
     * and goes straight into their FMAs: the 4-row tile over a widened block wrote every
     * converted code to memory and read it back twice, and a step of eight ran at half a
     * prompt's FMA rate (its loads from memory and its compute took turns). Rows past m repeat
     * the last row and write the spare outputs m..7 of x. Per output the operations are those
     * of the other tiles (a group's chain from zero in column order, then its two FMAs), so
     * every row's floats are the same as in a batch of one.
     */

    private void tile8(float[] at, float[] st, long panel, float[] x) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        final long floatBytes = layout.floatBytes(), multiplierStride = layout.multiplierStride();
        final boolean twoLevel = layout.twoLevel(), mins = hasMins;
        final MemorySegment scs = twoLevel ? d : ONES, dms = mins ? d : ZERO_MINS, ms = twoLevel && mins ? d : ONES;
        final float low = codeOffset;
        // The panel's codes through a slice, as in tile1 (one thread, eight rows, under AVX2:
        // Q4_K 28 -> 33, Q6_K 23 -> 27, Q8_0 28 -> 31 GMAC/s).
        final MemorySegment cseg = d.asSlice(panel + codesStart, (long) cols * PANEL);
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                long sco = twoLevel ? block + floatBytes + gi * multiplierStride : 0, mo = twoLevel && mins ? sco + PANEL : 0;
                long dmo = mins ? block + (long) PANEL * Float.BYTES : 0;
                for (int v = 0; v < PANEL; v += L) {
                    FloatVector y0 = FloatVector.zero(S), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0, y7 = y0;
                    for (int k = k0, end = k0 + g; k < end; k++) {
                        FloatVector w = (FloatVector) ByteVector.fromMemorySegment(CODES, cseg, (long) k * PANEL + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                        y0 = FloatVector.broadcast(S, at[8 * k]).fma(w, y0);
                        y1 = FloatVector.broadcast(S, at[8 * k + 1]).fma(w, y1);
                        y2 = FloatVector.broadcast(S, at[8 * k + 2]).fma(w, y2);
                        y3 = FloatVector.broadcast(S, at[8 * k + 3]).fma(w, y3);
                        y4 = FloatVector.broadcast(S, at[8 * k + 4]).fma(w, y4);
                        y5 = FloatVector.broadcast(S, at[8 * k + 5]).fma(w, y5);
                        y6 = FloatVector.broadcast(S, at[8 * k + 6]).fma(w, y6);
                        y7 = FloatVector.broadcast(S, at[8 * k + 7]).fma(w, y7);
                    }
                    // groupFactors' products for this vector, formed in registers.
                    FloatVector sc = FloatVector.fromMemorySegment(S, d, block + 4L * v, Layouts.LE)
                            .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                    FloatVector co = sc.mul(low).sub(FloatVector.fromMemorySegment(S, dms, dmo + 4L * v, Layouts.LE)
                            .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)));
                    FloatVector.broadcast(S, st[8 * gAll]).fma(co, y0.fma(sc, FloatVector.fromArray(S, x, v))).intoArray(x, v);
                    FloatVector.broadcast(S, st[8 * gAll + 1]).fma(co, y1.fma(sc, FloatVector.fromArray(S, x, PANEL + v))).intoArray(x, PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 2]).fma(co, y2.fma(sc, FloatVector.fromArray(S, x, 2 * PANEL + v))).intoArray(x, 2 * PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 3]).fma(co, y3.fma(sc, FloatVector.fromArray(S, x, 3 * PANEL + v))).intoArray(x, 3 * PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 4]).fma(co, y4.fma(sc, FloatVector.fromArray(S, x, 4 * PANEL + v))).intoArray(x, 4 * PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 5]).fma(co, y5.fma(sc, FloatVector.fromArray(S, x, 5 * PANEL + v))).intoArray(x, 5 * PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 6]).fma(co, y6.fma(sc, FloatVector.fromArray(S, x, 6 * PANEL + v))).intoArray(x, 6 * PANEL + v);
                    FloatVector.broadcast(S, st[8 * gAll + 7]).fma(co, y7.fma(sc, FloatVector.fromArray(S, x, 7 * PANEL + v))).intoArray(x, 7 * PANEL + v);
                }
            }
        }
    }

    /*
     * AVX-512's eight-row tiles: the panel's three vectors at once, 24 chains (eight rows by
     * three vectors) and the three converted code vectors in 27 of the 32 registers, each
     * broadcast activation feeding three FMAs, nothing widened to memory. A step of eight ran the
     * widened block and the 4-row tile twice at half the FMA peak (one thread, Zen 4: Q4_K 30,
     * Q6_K 21-24 GMAC/s; a third of it writing and reading the block); these run Q4_K at 43 and
     * Q6_K at 30. At the end of a group the chains go through CHAINS to finishGroup: written out
     * in the tile, the group's 48 FMAs and factors made a method C1 could not compile ("out of
     * virtual registers"), which leaves the tile to the interpreter until C2 takes it (with them
     * in the tile, Q6_K ran at 36). Rows are interleaved ({@link #interleave}), the spare ones
     * past m the last row repeated; per output the operations are the other tiles'.
     */

    private void tile8x3(float[] at, float[] st, long panel, float[] x, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        long code = panel + codesStart;
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00, y20 = y00, y21 = y00, y22 = y00;
                FloatVector y30 = y00, y31 = y00, y32 = y00, y40 = y00, y41 = y00, y42 = y00, y50 = y00, y51 = y00, y52 = y00;
                FloatVector y60 = y00, y61 = y00, y62 = y00, y70 = y00, y71 = y00, y72 = y00;
                for (int kk = 0; kk < g; kk++) {
                    long c = code + (long) kk * PANEL;
                    int k = 8 * (k0 + kk);
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector v = FloatVector.broadcast(S, at[k]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 3]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                    v = FloatVector.broadcast(S, at[k + 4]);
                    y40 = v.fma(w0, y40);
                    y41 = v.fma(w1, y41);
                    y42 = v.fma(w2, y42);
                    v = FloatVector.broadcast(S, at[k + 5]);
                    y50 = v.fma(w0, y50);
                    y51 = v.fma(w1, y51);
                    y52 = v.fma(w2, y52);
                    v = FloatVector.broadcast(S, at[k + 6]);
                    y60 = v.fma(w0, y60);
                    y61 = v.fma(w1, y61);
                    y62 = v.fma(w2, y62);
                    v = FloatVector.broadcast(S, at[k + 7]);
                    y70 = v.fma(w0, y70);
                    y71 = v.fma(w1, y71);
                    y72 = v.fma(w2, y72);
                }
                code += (long) g * PANEL;
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                y30.intoArray(ys, 9 * L);
                y31.intoArray(ys, 10 * L);
                y32.intoArray(ys, 11 * L);
                y40.intoArray(ys, 12 * L);
                y41.intoArray(ys, 13 * L);
                y42.intoArray(ys, 14 * L);
                y50.intoArray(ys, 15 * L);
                y51.intoArray(ys, 16 * L);
                y52.intoArray(ys, 17 * L);
                y60.intoArray(ys, 18 * L);
                y61.intoArray(ys, 19 * L);
                y62.intoArray(ys, 20 * L);
                y70.intoArray(ys, 21 * L);
                y71.intoArray(ys, 22 * L);
                y72.intoArray(ys, 23 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, 0, 8);
            }
        }
    }

    private void tile8x3Nibbles(float[] at, float[] st, long panel, float[] x, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        long code = panel + codesStart;
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00, y20 = y00, y21 = y00, y22 = y00;
                FloatVector y30 = y00, y31 = y00, y32 = y00, y40 = y00, y41 = y00, y42 = y00, y50 = y00, y51 = y00, y52 = y00;
                FloatVector y60 = y00, y61 = y00, y62 = y00, y70 = y00, y71 = y00, y72 = y00;
                for (int kk = 0; kk < g; kk += 2) {
                    long c = code + (long) kk * PANEL / 2;
                    int k = 8 * (k0 + kk);
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    FloatVector w0 = (FloatVector) q0.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w1 = (FloatVector) q1.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w2 = (FloatVector) q2.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector v = FloatVector.broadcast(S, at[k]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 3]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                    v = FloatVector.broadcast(S, at[k + 4]);
                    y40 = v.fma(w0, y40);
                    y41 = v.fma(w1, y41);
                    y42 = v.fma(w2, y42);
                    v = FloatVector.broadcast(S, at[k + 5]);
                    y50 = v.fma(w0, y50);
                    y51 = v.fma(w1, y51);
                    y52 = v.fma(w2, y52);
                    v = FloatVector.broadcast(S, at[k + 6]);
                    y60 = v.fma(w0, y60);
                    y61 = v.fma(w1, y61);
                    y62 = v.fma(w2, y62);
                    v = FloatVector.broadcast(S, at[k + 7]);
                    y70 = v.fma(w0, y70);
                    y71 = v.fma(w1, y71);
                    y72 = v.fma(w2, y72);
                    w0 = (FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w1 = (FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w2 = (FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    v = FloatVector.broadcast(S, at[k + 8]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 9]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 10]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 11]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                    v = FloatVector.broadcast(S, at[k + 12]);
                    y40 = v.fma(w0, y40);
                    y41 = v.fma(w1, y41);
                    y42 = v.fma(w2, y42);
                    v = FloatVector.broadcast(S, at[k + 13]);
                    y50 = v.fma(w0, y50);
                    y51 = v.fma(w1, y51);
                    y52 = v.fma(w2, y52);
                    v = FloatVector.broadcast(S, at[k + 14]);
                    y60 = v.fma(w0, y60);
                    y61 = v.fma(w1, y61);
                    y62 = v.fma(w2, y62);
                    v = FloatVector.broadcast(S, at[k + 15]);
                    y70 = v.fma(w0, y70);
                    y71 = v.fma(w1, y71);
                    y72 = v.fma(w2, y72);
                }
                code += (long) g * PANEL / 2;
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                y30.intoArray(ys, 9 * L);
                y31.intoArray(ys, 10 * L);
                y32.intoArray(ys, 11 * L);
                y40.intoArray(ys, 12 * L);
                y41.intoArray(ys, 13 * L);
                y42.intoArray(ys, 14 * L);
                y50.intoArray(ys, 15 * L);
                y51.intoArray(ys, 16 * L);
                y52.intoArray(ys, 17 * L);
                y60.intoArray(ys, 18 * L);
                y61.intoArray(ys, 19 * L);
                y62.intoArray(ys, 20 * L);
                y70.intoArray(ys, 21 * L);
                y71.intoArray(ys, 22 * L);
                y72.intoArray(ys, 23 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, 0, 8);
            }
        }
    }


    /*
     * AVX-512's four-row tiles: decode steps of two to four sequences, as the eight-row ones
     * with four rows (the interleaved batch's first four places; spare rows repeat the last).
     * The widened block they replace cost as much for two rows as for four (one thread, Zen 4:
     * 6.0 Gweights/s for Q4_K either way, 4.1-4.5 for Q6_K).
     */

    private void tile4x3(float[] at, float[] st, long panel, float[] x, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        long code = panel + codesStart;
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
                FloatVector y20 = y00, y21 = y00, y22 = y00, y30 = y00, y31 = y00, y32 = y00;
                for (int kk = 0; kk < g; kk++) {
                    long c = code + (long) kk * PANEL;
                    int k = 8 * (k0 + kk);
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(CODES, d, c + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector v = FloatVector.broadcast(S, at[k]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 3]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                }
                code += (long) g * PANEL;
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                y30.intoArray(ys, 9 * L);
                y31.intoArray(ys, 10 * L);
                y32.intoArray(ys, 11 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, 0, 4);
            }
        }
    }

    private void tile4x3Nibbles(float[] at, float[] st, long panel, float[] x, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        long code = panel + codesStart;
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00;
                FloatVector y20 = y00, y21 = y00, y22 = y00, y30 = y00, y31 = y00, y32 = y00;
                for (int kk = 0; kk < g; kk += 2) {
                    long c = code + (long) kk * PANEL / 2;
                    int k = 8 * (k0 + kk);
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, d, c + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    FloatVector w0 = (FloatVector) q0.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w1 = (FloatVector) q1.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w2 = (FloatVector) q2.and(15).convert(VectorOperators.I2F, 0);
                    FloatVector v = FloatVector.broadcast(S, at[k]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 3]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                    w0 = (FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w1 = (FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w2 = (FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    v = FloatVector.broadcast(S, at[k + 8]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[k + 9]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[k + 10]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    v = FloatVector.broadcast(S, at[k + 11]);
                    y30 = v.fma(w0, y30);
                    y31 = v.fma(w1, y31);
                    y32 = v.fma(w2, y32);
                }
                code += (long) g * PANEL / 2;
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                y30.intoArray(ys, 9 * L);
                y31.intoArray(ys, 10 * L);
                y32.intoArray(ys, 11 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, 0, 4);
            }
        }
    }


    /*
     * AVX2's three-row tiles: decode steps of two to four sequences of 8-bit codes, rows
     * r0..r0 + 2 of the interleaved batch (a step of four runs rows 0-2, then 3 with two spare
     * rows), and of two or three of 4-bit codes (four go to tile8Nibbles: two passes of this
     * one ran 13 GMAC/s against its 16), the panel's three vectors at once: nine chains, three
     * code vectors and a broadcast in 13 of the 16 registers (four rows would take all sixteen).
     * One thread, a 960 x 2560 matrix, against the widened block and tile3 they replace (GMAC/s):
     * Q8_0 9.0 / 15.9 / 15.0 -> 17.3 / 25.5 / 17.0 for two / three / four rows, Q6_K 8.4 /
     * 12.7 / 12.5 -> 16.3 / 24.5 / 16.7, Q4_K 10.4 / 18.9 -> 14.8 / 22.2. The 4-bit tile loads
     * each code vector twice (low nibbles, then high ones: an L1 hit) rather than keep three int
     * vectors live across the first half's FMAs. Per output the operations are the other tiles'.
     */

    private void tile3x3(float[] at, float[] st, long panel, float[] x, int r0, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        final MemorySegment cseg = d.asSlice(panel + codesStart, (long) cols * PANEL);
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00, y20 = y00, y21 = y00, y22 = y00;
                for (int k = k0, end = k0 + g; k < end; k++) {
                    long c = (long) k * PANEL;
                    int a = 8 * k + r0;
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(CODES, cseg, c, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(CODES, cseg, c + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(CODES, cseg, c + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0);
                    FloatVector v = FloatVector.broadcast(S, at[a]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[a + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[a + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                }
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, r0, 3);
            }
        }
    }

    private void tile3x3Nibbles(float[] at, float[] st, long panel, float[] x, float[] ys) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        final MemorySegment cseg = d.asSlice(panel + codesStart, (long) cols / 2 * PANEL);
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                FloatVector y00 = FloatVector.zero(S), y01 = y00, y02 = y00, y10 = y00, y11 = y00, y12 = y00, y20 = y00, y21 = y00, y22 = y00;
                for (int kh = k0 / 2, end = (k0 + g) / 2; kh < end; kh++) {
                    long c = (long) kh * PANEL;
                    int a = 16 * kh;
                    FloatVector w0 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w1 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).and(15).convert(VectorOperators.I2F, 0);
                    FloatVector w2 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).and(15).convert(VectorOperators.I2F, 0);
                    FloatVector v = FloatVector.broadcast(S, at[a]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[a + 1]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[a + 2]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                    w0 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w1 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    w2 = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(CODES, cseg, c + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0)).lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    v = FloatVector.broadcast(S, at[a + 8]);
                    y00 = v.fma(w0, y00);
                    y01 = v.fma(w1, y01);
                    y02 = v.fma(w2, y02);
                    v = FloatVector.broadcast(S, at[a + 9]);
                    y10 = v.fma(w0, y10);
                    y11 = v.fma(w1, y11);
                    y12 = v.fma(w2, y12);
                    v = FloatVector.broadcast(S, at[a + 10]);
                    y20 = v.fma(w0, y20);
                    y21 = v.fma(w1, y21);
                    y22 = v.fma(w2, y22);
                }
                y00.intoArray(ys, 0);
                y01.intoArray(ys, L);
                y02.intoArray(ys, 2 * L);
                y10.intoArray(ys, 3 * L);
                y11.intoArray(ys, 4 * L);
                y12.intoArray(ys, 5 * L);
                y20.intoArray(ys, 6 * L);
                y21.intoArray(ys, 7 * L);
                y22.intoArray(ys, 8 * L);
                finishGroup(ys, st, 8 * gAll, block, gi, x, 0, 3);
            }
        }
    }

    /**
     * A group's chains {@code ys} ({@code rows} rows' panel outputs, laid out as {@code x}) scaled
     * into the outputs of rows {@code r0..r0 + rows - 1}: per output {@code x = fma(Σa, low s - m, fma(y, s, x))}, the group's
     * factors formed as {@link #groupFactors} forms them.
     */
    private void finishGroup(float[] ys, float[] st, int s, long block, int gi, float[] x, int r0, int rows) {
        MemorySegment d = data;
        long mA = (block + multipliersAt + gi * multiplierStride) & multiplierMask, nA = (mA + PANEL) & minMultiplierMask;
        long dA = (block + (long) PANEL * Float.BYTES) & minMask;
        for (int j = 0; j < PANEL; j += L) {
            FloatVector sc = FloatVector.fromMemorySegment(S, d, block + 4L * j, Layouts.LE)
                    .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + j, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
            FloatVector co = sc.mul(codeOffset).sub(FloatVector.fromMemorySegment(S, minValues, dA + 4L * j, Layouts.LE)
                    .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + j, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)));
            for (int i = 0; i < rows; i++) {
                int o = (r0 + i) * PANEL + j;
                FloatVector.broadcast(S, st[s + r0 + i]).fma(co, FloatVector.fromArray(S, ys, i * PANEL + j).fma(sc, FloatVector.fromArray(S, x, o))).intoArray(x, o);
            }
        }
    }

    private void tile8Nibbles(float[] a, float[] sums, int m, long panel, float[] x) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group, cs = cols, gs = cols / group;
        final long header = layout.headerBytes();
        final long floatBytes = layout.floatBytes(), multiplierStride = layout.multiplierStride();
        final boolean twoLevel = layout.twoLevel(), mins = hasMins;
        final MemorySegment scs = twoLevel ? d : ONES, dms = mins ? d : ZERO_MINS, ms = twoLevel && mins ? d : ONES;
        final float low = codeOffset;
        // The panel's codes through a slice, as in tile1 (one thread, eight rows, under AVX2:
        // Q4_K 28 -> 33, Q6_K 23 -> 27, Q8_0 28 -> 31 GMAC/s).
        final MemorySegment cseg = d.asSlice(panel + codesStart, (long) cols / 2 * PANEL);
        final int a1 = Math.min(1, m - 1) * cs, a2 = Math.min(2, m - 1) * cs, a3 = Math.min(3, m - 1) * cs;
        final int a4 = Math.min(4, m - 1) * cs, a5 = Math.min(5, m - 1) * cs, a6 = Math.min(6, m - 1) * cs, a7 = Math.min(7, m - 1) * cs;
        final int s1 = a1 / cs * gs, s2 = a2 / cs * gs, s3 = a3 / cs * gs, s4 = a4 / cs * gs, s5 = a5 / cs * gs, s6 = a6 / cs * gs, s7 = a7 / cs * gs;
        for (int sb = 0, k0 = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k0 += g) {
                long sco = twoLevel ? block + floatBytes + gi * multiplierStride : 0, mo = twoLevel && mins ? sco + PANEL : 0;
                long dmo = mins ? block + (long) PANEL * Float.BYTES : 0;
                for (int v = 0; v < PANEL; v += L) {
                    FloatVector y0 = FloatVector.zero(S), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0, y7 = y0;
                    for (int k = k0, end = k0 + g; k < end; k += 2) {
                        IntVector q = (IntVector) ByteVector.fromMemorySegment(CODES, cseg, (long) (k >> 1) * PANEL + v, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                        FloatVector w = (FloatVector) q.and(15).convert(VectorOperators.I2F, 0);
                        y0 = FloatVector.broadcast(S, a[k]).fma(w, y0);
                        y1 = FloatVector.broadcast(S, a[a1 + k]).fma(w, y1);
                        y2 = FloatVector.broadcast(S, a[a2 + k]).fma(w, y2);
                        y3 = FloatVector.broadcast(S, a[a3 + k]).fma(w, y3);
                        y4 = FloatVector.broadcast(S, a[a4 + k]).fma(w, y4);
                        y5 = FloatVector.broadcast(S, a[a5 + k]).fma(w, y5);
                        y6 = FloatVector.broadcast(S, a[a6 + k]).fma(w, y6);
                        y7 = FloatVector.broadcast(S, a[a7 + k]).fma(w, y7);
                        w = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                        y0 = FloatVector.broadcast(S, a[k + 1]).fma(w, y0);
                        y1 = FloatVector.broadcast(S, a[a1 + k + 1]).fma(w, y1);
                        y2 = FloatVector.broadcast(S, a[a2 + k + 1]).fma(w, y2);
                        y3 = FloatVector.broadcast(S, a[a3 + k + 1]).fma(w, y3);
                        y4 = FloatVector.broadcast(S, a[a4 + k + 1]).fma(w, y4);
                        y5 = FloatVector.broadcast(S, a[a5 + k + 1]).fma(w, y5);
                        y6 = FloatVector.broadcast(S, a[a6 + k + 1]).fma(w, y6);
                        y7 = FloatVector.broadcast(S, a[a7 + k + 1]).fma(w, y7);
                    }
                    // groupFactors' products for this vector, formed in registers.
                    FloatVector sc = FloatVector.fromMemorySegment(S, d, block + 4L * v, Layouts.LE)
                            .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scs, sco + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                    FloatVector co = sc.mul(low).sub(FloatVector.fromMemorySegment(S, dms, dmo + 4L * v, Layouts.LE)
                            .mul((FloatVector) ByteVector.fromMemorySegment(CODES, ms, mo + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)));
                    FloatVector.broadcast(S, sums[gAll]).fma(co, y0.fma(sc, FloatVector.fromArray(S, x, v))).intoArray(x, v);
                    FloatVector.broadcast(S, sums[s1 + gAll]).fma(co, y1.fma(sc, FloatVector.fromArray(S, x, PANEL + v))).intoArray(x, PANEL + v);
                    FloatVector.broadcast(S, sums[s2 + gAll]).fma(co, y2.fma(sc, FloatVector.fromArray(S, x, 2 * PANEL + v))).intoArray(x, 2 * PANEL + v);
                    FloatVector.broadcast(S, sums[s3 + gAll]).fma(co, y3.fma(sc, FloatVector.fromArray(S, x, 3 * PANEL + v))).intoArray(x, 3 * PANEL + v);
                    FloatVector.broadcast(S, sums[s4 + gAll]).fma(co, y4.fma(sc, FloatVector.fromArray(S, x, 4 * PANEL + v))).intoArray(x, 4 * PANEL + v);
                    FloatVector.broadcast(S, sums[s5 + gAll]).fma(co, y5.fma(sc, FloatVector.fromArray(S, x, 5 * PANEL + v))).intoArray(x, 5 * PANEL + v);
                    FloatVector.broadcast(S, sums[s6 + gAll]).fma(co, y6.fma(sc, FloatVector.fromArray(S, x, 6 * PANEL + v))).intoArray(x, 6 * PANEL + v);
                    FloatVector.broadcast(S, sums[s7 + gAll]).fma(co, y7.fma(sc, FloatVector.fromArray(S, x, 7 * PANEL + v))).intoArray(x, 7 * PANEL + v);
                }
            }
        }
    }

    /*
     * The one-row tiles call only the Vector API (no helper of ours taking or returning vectors:
     * see BlockKernel's note on laneDot): two panels at a time, per group, the codes converted to
     * floats feed one FMA each into six chains from zero (three per panel), then the group's
     * factors (groupFactors' operations, in registers) scale them into the outputs. The two
     * panels' codes are read at offsets affine in the loop's int counter, so that C2 can hoist
     * the segment's bounds checks. They are compiled at the first repacking (warmUpTiles), on
     * every layout, before any prompt runs.
     */

    private void tile1(float[] a, float[] sums, long panel, long panelB, float[] c, int cOff, float[] cB, int cOffB) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        final long toB = panelB - panel;
        final float low = codeOffset;
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0;
        // Each panel's codes read through a slice of them at offsets of the int counter alone.
        // At the mapping's offsets (a long position plus kk * PANEL) C2 kept a bounds check on
        // every load inside the loop, about twenty instructions of clamping each under AVX2:
        // one thread, in L2, Q8_0 13.0 -> 19.1 and Q6_K 11.3 -> 18.5 Gweights/s with the
        // slices (Zen 4, -XX:UseAVX=2; AVX-512 unchanged at 19).
        MemorySegment ca = d.asSlice(panel + codesStart, (long) cols * PANEL), cb = d.asSlice(panelB + codesStart, (long) cols * PANEL);
        for (int sb = 0, k = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header, blockB = block + toB;
            for (int gi = 0; gi < groups; gi++, gAll++) {
                FloatVector y0 = FloatVector.zero(S), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0;
                for (int kk = k, end = k + g; kk < end; kk++) {
                    long at = (long) kk * PANEL;
                    FloatVector v = FloatVector.broadcast(S, a[kk]);
                    y0 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, ca, at, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y0);
                    y1 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, ca, at + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y1);
                    y2 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, ca, at + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y2);
                    y3 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, cb, at, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y3);
                    y4 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, cb, at + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y4);
                    y5 = v.fma((FloatVector) ByteVector.fromMemorySegment(CODES, cb, at + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0), y5);
                }
                k += g;
                // The group's factors (groupFactors' operations) formed in registers and each
                // chain scaled into its output. Written out: a call here, which C2 does not
                // inline, spilled the chains (15% slower); the masks keep the method small
                // enough for C1 too (its register allocator gave up on a larger one, and the
                // tile stayed unoptimized).
                long mA = (block + multipliersAt + gi * multiplierStride) & multiplierMask, nA = (mA + PANEL) & minMultiplierMask;
                long mB = (blockB + multipliersAt + gi * multiplierStride) & multiplierMask, nB = (mB + PANEL) & minMultiplierMask;
                long dA = (block + (long) PANEL * Float.BYTES) & minMask, dB = (blockB + (long) PANEL * Float.BYTES) & minMask;
                FloatVector t = FloatVector.broadcast(S, sums[gAll]);
                FloatVector s0 = FloatVector.fromMemorySegment(S, d, block, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x0 = t.fma(s0.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y0.fma(s0, x0));
                FloatVector s1 = FloatVector.fromMemorySegment(S, d, block + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x1 = t.fma(s1.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y1.fma(s1, x1));
                FloatVector s2 = FloatVector.fromMemorySegment(S, d, block + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x2 = t.fma(s2.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y2.fma(s2, x2));
                FloatVector s3 = FloatVector.fromMemorySegment(S, d, blockB, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x3 = t.fma(s3.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y3.fma(s3, x3));
                FloatVector s4 = FloatVector.fromMemorySegment(S, d, blockB + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x4 = t.fma(s4.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y4.fma(s4, x4));
                FloatVector s5 = FloatVector.fromMemorySegment(S, d, blockB + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x5 = t.fma(s5.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y5.fma(s5, x5));
            }
        }
        x0.intoArray(c, cOff);
        x1.intoArray(c, cOff + L);
        x2.intoArray(c, cOff + 2 * L);
        x3.intoArray(cB, cOffB);
        x4.intoArray(cB, cOffB + L);
        x5.intoArray(cB, cOffB + 2 * L);
    }

    /**
     * AVX2's one-row tile of 4-bit panels: {@link #tile1}'s float chains, two columns per code
     * byte. Under AVX2 the 16-bit tile below spent a quarter of a Qwen3-VL-4B decode step in
     * its 128-bit loads' bounds checks (JFR: Objects.checkIndex; 6.5 -> 3.9 tokens/s), and a
     * one-thread probe showed it no faster than this one from DRAM (15.2 and 15.0 Gweights/s);
     * with narrow-scaled activations both tiles give the same floats.
     */
    private void tile1NibblesInFloats(float[] a, float[] sums, long panel, long panelB, float[] c, int cOff, float[] cB, int cOffB) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long header = layout.headerBytes();
        final long toB = panelB - panel;
        final float low = codeOffset;
        FloatVector x0 = FloatVector.zero(S), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0;
        // The panels' codes through slices, as in tile1.
        MemorySegment ca = d.asSlice(panel + codesStart, (long) cols / 2 * PANEL), cb = d.asSlice(panelB + codesStart, (long) cols / 2 * PANEL);
        for (int sb = 0, k = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header, blockB = block + toB;
            for (int gi = 0; gi < groups; gi++, gAll++) {
                FloatVector y0 = FloatVector.zero(S), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0;
                for (int kk = k / 2, end = (k + g) / 2; kk < end; kk++) {
                    long at = (long) kk * PANEL;
                    // Both columns of a byte at once per vector (each chain still takes k, then
                    // k + 1): fewer live vectors, which AVX2's sixteen registers need.
                    FloatVector v0 = FloatVector.broadcast(S, a[2 * kk]), v1 = FloatVector.broadcast(S, a[2 * kk + 1]);
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(CODES, ca, at, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y0 = v1.fma((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q0.and(15).convert(VectorOperators.I2F, 0), y0));
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(CODES, ca, at + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y1 = v1.fma((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q1.and(15).convert(VectorOperators.I2F, 0), y1));
                    IntVector q2 = (IntVector) ByteVector.fromMemorySegment(CODES, ca, at + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y2 = v1.fma((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q2.and(15).convert(VectorOperators.I2F, 0), y2));
                    IntVector q3 = (IntVector) ByteVector.fromMemorySegment(CODES, cb, at, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y3 = v1.fma((FloatVector) q3.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q3.and(15).convert(VectorOperators.I2F, 0), y3));
                    IntVector q4 = (IntVector) ByteVector.fromMemorySegment(CODES, cb, at + L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y4 = v1.fma((FloatVector) q4.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q4.and(15).convert(VectorOperators.I2F, 0), y4));
                    IntVector q5 = (IntVector) ByteVector.fromMemorySegment(CODES, cb, at + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, IS, 0);
                    y5 = v1.fma((FloatVector) q5.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0), v0.fma((FloatVector) q5.and(15).convert(VectorOperators.I2F, 0), y5));
                }
                k += g;
                // The group's factors (groupFactors' operations) formed in registers and each
                // chain scaled into its output. Written out: a call here, which C2 does not
                // inline, spilled the chains (15% slower); the masks keep the method small
                // enough for C1 too (its register allocator gave up on a larger one, and the
                // tile stayed unoptimized).
                long mA = (block + multipliersAt + gi * multiplierStride) & multiplierMask, nA = (mA + PANEL) & minMultiplierMask;
                long mB = (blockB + multipliersAt + gi * multiplierStride) & multiplierMask, nB = (mB + PANEL) & minMultiplierMask;
                long dA = (block + (long) PANEL * Float.BYTES) & minMask, dB = (blockB + (long) PANEL * Float.BYTES) & minMask;
                FloatVector t = FloatVector.broadcast(S, sums[gAll]);
                FloatVector s0 = FloatVector.fromMemorySegment(S, d, block, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x0 = t.fma(s0.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y0.fma(s0, x0));
                FloatVector s1 = FloatVector.fromMemorySegment(S, d, block + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x1 = t.fma(s1.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y1.fma(s1, x1));
                FloatVector s2 = FloatVector.fromMemorySegment(S, d, block + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x2 = t.fma(s2.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y2.fma(s2, x2));
                FloatVector s3 = FloatVector.fromMemorySegment(S, d, blockB, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x3 = t.fma(s3.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y3.fma(s3, x3));
                FloatVector s4 = FloatVector.fromMemorySegment(S, d, blockB + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x4 = t.fma(s4.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB + 4L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB + L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y4.fma(s4, x4));
                FloatVector s5 = FloatVector.fromMemorySegment(S, d, blockB + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mB + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                x5 = t.fma(s5.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dB + 8L * L, Layouts.LE)
                        .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nB + 2L * L, Layouts.LE).convertShape(VectorOperators.B2F, S, 0))), y5.fma(s5, x5));
            }
        }
        x0.intoArray(c, cOff);
        x1.intoArray(c, cOff + L);
        x2.intoArray(c, cOff + 2 * L);
        x3.intoArray(cB, cOffB);
        x4.intoArray(cB, cOffB + L);
        x5.intoArray(cB, cOffB + 2 * L);
    }

    /*
     * The one-row tile of 4-bit panels multiplies in 16-bit integer lanes: the activations are
     * integers times a narrow scale (ActivationRounding.narrowScaled), so a group's float chain
     * in the other tiles is exactly its integer sum of code times integer, times the scale —
     * which this tile forms in integers and scales once: the same float, so a row's outputs
     * do not depend on its batch. A vector load of 2L code bytes, zero-extended to shorts, gives
     * two columns per lane (low and high nibble), each multiplied by the activation's integer
     * and added into short lanes — two products for two operations over 2L lanes, where a
     * float tile spends a conversion and an FMA on each L lanes. A step takes four columns, the
     * two column pairs' 2 PANEL bytes in three loads: the first holds pair k's rows [0, 2L), the
     * second pair k's rows [2L, 3L) then pair k + 2's rows [0, L) (its multipliers blend the two
     * pairs' activations), the third pair k + 2's rows [L, 3L). A lane sums at most 16 products
     * of a code (at most 15) and an integer (at most 127 in magnitude) per group: 30480, within
     * a short. At the group's end the halves are widened to ints, added row by row and
     * converted to floats (exact: below 2^16), times the group's scale (exact: 8 significant
     * bits). Two panels at once: one at a time, the tile read 20 Gweights/s from DRAM against
     * 30 with two streams (one thread, Zen 4, AVX-512). A group's sums and the outputs go
     * through a small array (x, the caller's: a ThreadLocal looked up here per pair of panels
     * took a fifth of a 4B model's decode in ThreadLocalMap.getEntry) and are scaled in a loop:
     * with the six outputs' scaling written out, the method outgrew C1's register allocator
     * ("out of virtual registers in linear scan") and never reached C2 in time. One thread, a
     * Q4_K row of 2560 columns, Zen 4: 25 -> 36 Gweights/s in L2 and 21 -> 26 from DRAM on
     * AVX-512 against the float tile; 18.6 -> 20.5 and 15.1 -> 16.5 under AVX2.
     */

    /** The thread's one-row outputs of two 4-bit panels (2 PANEL floats), then a group's sums (2 PANEL floats). */
    /** AVX-512's eight-row tiles hand a group's 24 chains to {@link #finishGroup} here (laid out as the outputs). */
    private static final ThreadLocal<float[]> CHAINS = ThreadLocal.withInitial(() -> new float[DECODE_ROWS * PANEL]);
    private static final ThreadLocal<float[]> ONE_ROW = ThreadLocal.withInitial(() -> new float[4 * PANEL]);

    private void tile1Nibbles(short[] n, float[] scales, float[] sums, long panel, long panelB, float[] c, int cOff, float[] cB, int cOffB, float[] x) {
        MemorySegment d = data;
        final int g = group, groups = superBlock / group;
        final long toB = panelB - panel, header = layout.headerBytes();
        final float low = codeOffset;
        Arrays.fill(x, 0, 2 * PANEL, 0f);
        // The panels' codes through slices, as in tile1.
        MemorySegment ca = d.asSlice(panel + codesStart, (long) cols / 2 * PANEL), cb = d.asSlice(panelB + codesStart, (long) cols / 2 * PANEL);
        for (int sb = 0, k = 0, gAll = 0; sb < cols / superBlock; sb++) {
            long block = panel + sb * header;
            for (int gi = 0; gi < groups; gi++, gAll++, k += g) {
                ShortVector ya = ShortVector.zero(SHORTS), yb = ya, yc = ya, za = ya, zb = ya, zc = ya;
                for (int kk = k / 4, end = (k + g) / 4; kk < end; kk++) {
                    long at = (long) kk * 2 * PANEL;
                    ShortVector n0 = ShortVector.broadcast(SHORTS, n[4 * kk]), n1 = ShortVector.broadcast(SHORTS, n[4 * kk + 1]);
                    ShortVector n2 = ShortVector.broadcast(SHORTS, n[4 * kk + 2]), n3 = ShortVector.broadcast(SHORTS, n[4 * kk + 3]);
                    ShortVector m0 = n0.blend(n2, UPPER_HALF), m1 = n1.blend(n3, UPPER_HALF);
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, ca, at, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    ya = ya.add(q.and((short) 15).mul(n0)).add(q.lanewise(VectorOperators.LSHR, 4).mul(n1));
                    q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, ca, at + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    yb = yb.add(q.and((short) 15).mul(m0)).add(q.lanewise(VectorOperators.LSHR, 4).mul(m1));
                    q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, ca, at + 4L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    yc = yc.add(q.and((short) 15).mul(n2)).add(q.lanewise(VectorOperators.LSHR, 4).mul(n3));
                    q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, cb, at, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    za = za.add(q.and((short) 15).mul(n0)).add(q.lanewise(VectorOperators.LSHR, 4).mul(n1));
                    q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, cb, at + 2L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    zb = zb.add(q.and((short) 15).mul(m0)).add(q.lanewise(VectorOperators.LSHR, 4).mul(m1));
                    q = (ShortVector) ByteVector.fromMemorySegment(CODE_PAIRS, cb, at + 4L * L, Layouts.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                    zc = zc.add(q.and((short) 15).mul(n2)).add(q.lanewise(VectorOperators.LSHR, 4).mul(n3));
                }
                // Rows [0, L): the first load's low half and the second's high half; [L, 2L): the
                // first's high half, the third's low; [2L, 3L): the second's low half, the third's high.
                int yo = 2 * PANEL;
                ((FloatVector) ((IntVector) ya.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) yb.convertShape(VectorOperators.S2I, IS, 1)).convert(VectorOperators.I2F, 0)).intoArray(x, yo);
                ((FloatVector) ((IntVector) ya.convertShape(VectorOperators.S2I, IS, 1)).add((IntVector) yc.convertShape(VectorOperators.S2I, IS, 0)).convert(VectorOperators.I2F, 0)).intoArray(x, yo + L);
                ((FloatVector) ((IntVector) yb.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) yc.convertShape(VectorOperators.S2I, IS, 1)).convert(VectorOperators.I2F, 0)).intoArray(x, yo + 2 * L);
                ((FloatVector) ((IntVector) za.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) zb.convertShape(VectorOperators.S2I, IS, 1)).convert(VectorOperators.I2F, 0)).intoArray(x, yo + PANEL);
                ((FloatVector) ((IntVector) za.convertShape(VectorOperators.S2I, IS, 1)).add((IntVector) zc.convertShape(VectorOperators.S2I, IS, 0)).convert(VectorOperators.I2F, 0)).intoArray(x, yo + PANEL + L);
                ((FloatVector) ((IntVector) zb.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) zc.convertShape(VectorOperators.S2I, IS, 1)).convert(VectorOperators.I2F, 0)).intoArray(x, yo + PANEL + 2 * L);
                // The group's factors (groupFactors' operations) formed vector by vector, and the
                // sums scaled into the outputs as the float tiles scale their chains.
                FloatVector t = FloatVector.broadcast(S, sums[gAll]), u = FloatVector.broadcast(S, scales[gAll]);
                for (int half = 0; half < 2; half++) {
                    long b = block + half * toB;
                    long mA = (b + multipliersAt + gi * multiplierStride) & multiplierMask, nA = (mA + PANEL) & minMultiplierMask;
                    long dA = (b + (long) PANEL * Float.BYTES) & minMask;
                    for (int v = 0, xo = half * PANEL; v < PANEL; v += L, xo += L) {
                        FloatVector s = FloatVector.fromMemorySegment(S, d, b + 4L * v, Layouts.LE)
                                .mul((FloatVector) ByteVector.fromMemorySegment(CODES, scaleMultipliers, mA + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0));
                        FloatVector co = s.mul(low).sub(FloatVector.fromMemorySegment(S, minValues, dA + 4L * v, Layouts.LE)
                                .mul((FloatVector) ByteVector.fromMemorySegment(CODES, minMultiplierSource, nA + v, Layouts.LE).convertShape(VectorOperators.B2F, S, 0)));
                        t.fma(co, FloatVector.fromArray(S, x, yo + xo).mul(u).fma(s, FloatVector.fromArray(S, x, xo))).intoArray(x, xo);
                    }
                }
            }
        }
        System.arraycopy(x, 0, c, cOff, PANEL);
        System.arraycopy(x, PANEL, cB, cOffB, PANEL);
    }
}
