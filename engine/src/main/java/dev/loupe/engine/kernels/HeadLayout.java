package dev.loupe.engine.kernels;

/**
 * Where attention heads sit in the rows an attention kernel reads and writes. A query row holds
 * {@code heads} heads of {@code keyWidth} values; an output row {@code heads} heads of
 * {@code valueWidth}; query head h reads key/value head {@code h / (heads / kvHeads)}, whose
 * key starts {@code kvHead * keyWidth} into a key row and whose value {@code kvHead * valueWidth}
 * into a value row; key rows are {@code keyStride} floats apart, value rows {@code valueStride}.
 *
 * @param heads       query heads
 * @param kvHeads     key/value heads (grouped-query attention shares each among heads / kvHeads)
 * @param keyWidth    values per query and key head
 * @param valueWidth  values per value and output head
 * @param keyStride   floats from one position's key row to the next
 * @param valueStride floats from one position's value row to the next
 */
public record HeadLayout(int heads, int kvHeads, int keyWidth, int valueWidth, int keyStride, int valueStride) {
    public HeadLayout {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " key/value heads");
        }
    }

    /** Multi-head or grouped-query attention: keys and values in rows of their own, {@code d} per head. */
    public static HeadLayout grouped(int heads, int kvHeads, int d) {
        return new HeadLayout(heads, kvHeads, d, d, kvHeads * d, kvHeads * d);
    }

    /**
     * Multi-head latent attention in absorbed form (DeepSeek-V2 as llama.cpp runs it): every head
     * attends over one shared row per position of {@code keyWidth} values (latent + RoPE key),
     * and its value is that row's first {@code valueWidth} values (the latent).
     */
    public static HeadLayout latent(int heads, int keyWidth, int valueWidth) {
        return new HeadLayout(heads, 1, keyWidth, valueWidth, keyWidth, keyWidth);
    }

    public int queryStride() {
        return heads * keyWidth;
    }

    public int outputStride() {
        return heads * valueWidth;
    }

    public int keyOffset(int head) {
        return head / (heads / kvHeads) * keyWidth;
    }

    public int valueOffset(int head) {
        return head / (heads / kvHeads) * valueWidth;
    }
}
