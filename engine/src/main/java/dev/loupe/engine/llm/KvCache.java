package dev.loupe.engine.llm;

import dev.loupe.engine.kernels.Layouts;

/**
 * Keys and values of one sequence, per layer, position-major. Values are rounded to fp16 on
 * store: llama.cpp's default cache type is F16, and parity needs the same rounding.
 */
public final class KvCache {
    private final int nLayer;
    private final int kvDim;
    private float[][] keys;
    private float[][] values;
    private int capacity;
    private int length;
    /** RoPE position of cell {@code length} minus {@code length}: M-RoPE images advance positions by less than their cells. */
    private int positionDelta;

    public KvCache(int nLayer, int kvDim, int initialCapacity) {
        this.nLayer = nLayer;
        this.kvDim = kvDim;
        this.capacity = Math.max(16, initialCapacity);
        this.keys = new float[nLayer][capacity * kvDim];
        this.values = new float[nLayer][capacity * kvDim];
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
            values[l] = java.util.Arrays.copyOf(values[l], grown * kvDim);
        }
        capacity = grown;
    }

    /** Stores k and v (kvDim floats each, at the given offsets) for {@code pos} in {@code layer}. */
    public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        float[] kl = keys[layer];
        float[] vl = values[layer];
        int o = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kl[o + i] = Layouts.roundF16(k[kOff + i]);
            vl[o + i] = Layouts.roundF16(v[vOff + i]);
        }
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Marks positions [0, newLength) as valid; later positions are overwritten by the next store. */
    public void setLength(int newLength) {
        if (newLength < 0 || newLength > capacity) throw new IllegalArgumentException("length " + newLength + " outside [0, " + capacity + "]");
        length = newLength;
    }

    /** Bytes held, for memory accounting. */
    public long bytes() {
        return bytesFor(nLayer, kvDim, capacity);
    }

    /** Bytes a cache of {@code capacity} positions holds (at least 16, as the constructor allocates). */
    public static long bytesFor(int nLayer, int kvDim, int capacity) {
        return 2L * nLayer * Math.max(16, capacity) * kvDim * Float.BYTES;
    }
}
