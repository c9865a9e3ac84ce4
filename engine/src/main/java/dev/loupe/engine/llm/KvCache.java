package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.Layouts;

/**
 * Keys and values of one sequence, per layer, position-major. Values are rounded to fp16 on
 * store: llama.cpp's default cache type is F16, and parity needs the same rounding.
 *
 * <p>A {@linkplain #latent latent} cache (multi-head latent attention, DeepSeek-V2 style)
 * holds one row per position and layer — the compressed key/value latent followed by the
 * shared RoPE key — and no separate values: attention reads each row's latent prefix as the
 * value, as llama.cpp's MLA graph does with its views of the K cache.
 */
public final class KvCache {
    private final int nLayer;
    private final int kvDim;
    private final boolean valuesInKeys;
    private float[][] keys;
    private float[][] values;
    private int capacity;
    private int length;
    /** RoPE position of cell {@code length} minus {@code length}: M-RoPE images advance positions by less than their cells. */
    private int positionDelta;

    public KvCache(int nLayer, int kvDim, int initialCapacity) {
        this(nLayer, kvDim, initialCapacity, false);
    }

    private KvCache(int nLayer, int kvDim, int initialCapacity, boolean valuesInKeys) {
        this.nLayer = nLayer;
        this.kvDim = kvDim;
        this.valuesInKeys = valuesInKeys;
        this.capacity = Math.max(16, initialCapacity);
        this.keys = new float[nLayer][capacity * kvDim];
        this.values = valuesInKeys ? keys : new float[nLayer][capacity * kvDim];
    }

    /**
     * A cache of one {@code rowWidth}-wide row per position and layer, whose {@link #values}
     * are its {@link #keys} (MLA: latent + RoPE key; the value is the latent prefix).
     */
    public static KvCache latent(int nLayer, int rowWidth, int initialCapacity) {
        return new KvCache(nLayer, rowWidth, initialCapacity, true);
    }

    /** Number of positions stored. */
    public int length() {
        return length;
    }

    /** The RoPE position the next stored cell gets (its index, unless an M-RoPE image came before). */
    public int nextPosition() {
        return length + positionDelta;
    }

    /**
     * Shifts the positions of the cells stored from now on by {@code delta}: after an M-RoPE image
     * of {@code nx x ny} tokens the text goes on at {@code max(nx, ny)} past its start, not nx * ny.
     */
    public void shiftPositions(int delta) {
        positionDelta += delta;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Makes room for positions up to {@code newLength} (exclusive). */
    public void ensureCapacity(int newLength) {
        if (newLength <= capacity) return;
        int grown = Math.max(newLength, capacity * 2);
        for (int l = 0; l < nLayer; l++) {
            keys[l] = java.util.Arrays.copyOf(keys[l], grown * kvDim);
            if (!valuesInKeys) values[l] = java.util.Arrays.copyOf(values[l], grown * kvDim);
        }
        capacity = grown;
    }

    /** Stores k and v (kvDim floats each, at the given offsets) for {@code pos} in {@code layer}. */
    public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        if (valuesInKeys) throw new IllegalStateException("a latent cache stores one row per position: storeRow");
        float[] kl = keys[layer];
        float[] vl = values[layer];
        int o = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kl[o + i] = Layouts.roundF16(k[kOff + i]);
            vl[o + i] = Layouts.roundF16(v[vOff + i]);
        }
    }

    /** Stores a latent cache's row (kvDim floats at {@code off}) for {@code pos} in {@code layer}. */
    public void storeRow(int layer, int pos, float[] row, int off) {
        if (!valuesInKeys) throw new IllegalStateException("storeRow is for latent caches; this one keeps keys and values apart");
        float[] kl = keys[layer];
        int o = pos * kvDim;
        for (int i = 0; i < kvDim; i++) kl[o + i] = Layouts.roundF16(row[off + i]);
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /**
     * Readies the caches of one batched decode step: each gets room for one more position, and
     * its current length — where its row of the step goes — is returned. A cache named twice
     * would take two rows of one step: refused.
     */
    public static int[] reserveStep(KvCache[] caches) {
        int[] positions = new int[caches.length];
        for (int i = 0; i < caches.length; i++) {
            for (int j = 0; j < i; j++) {
                if (caches[j] == caches[i]) throw new IllegalArgumentException("decodeBatch: one cache appears twice");
            }
            positions[i] = caches[i].length();
            caches[i].ensureCapacity(positions[i] + 1);
        }
        return positions;
    }

    /**
     * A copy of this cache's stored cells (and its RoPE position offset) with room for
     * {@code capacity} positions: a sequence that goes on from a shared prefix (several tasks
     * asked of one image) writes its own cells after the copied ones and never touches this cache.
     * Only the stored cells are copied, so a fork costs the prefix's bytes, not the capacity's.
     */
    public KvCache fork(int capacity) {
        KvCache copy = new KvCache(nLayer, kvDim, Math.max(capacity, length), valuesInKeys);
        int n = length * kvDim;
        for (int l = 0; l < nLayer; l++) {
            System.arraycopy(keys[l], 0, copy.keys[l], 0, n);
            if (!valuesInKeys) System.arraycopy(values[l], 0, copy.values[l], 0, n);
        }
        copy.length = length;
        copy.positionDelta = positionDelta;
        return copy;
    }

    /** Marks positions [0, newLength) as valid; later positions are overwritten by the next store. */
    public void setLength(int newLength) {
        if (newLength < 0 || newLength > capacity) throw new IllegalArgumentException("length " + newLength + " outside [0, " + capacity + "]");
        length = newLength;
    }

    /** Bytes held, for memory accounting. */
    public long bytes() {
        return valuesInKeys ? latentBytesFor(nLayer, kvDim, capacity) : bytesFor(nLayer, kvDim, capacity);
    }

    /** Bytes a cache of {@code capacity} positions holds (at least 16, as the constructor allocates). */
    public static long bytesFor(int nLayer, int kvDim, int capacity) {
        return 2L * nLayer * Math.max(16, capacity) * kvDim * Float.BYTES;
    }

    /** Bytes a {@linkplain #latent latent} cache of {@code capacity} positions holds. */
    public static long latentBytesFor(int nLayer, int rowWidth, int capacity) {
        return (long) nLayer * Math.max(16, capacity) * rowWidth * Float.BYTES;
    }
}
