package dev.loupe.engine.gguf;

import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A tensor of a mapped GGUF file: its name, type, shape in ggml order ({@code ne[0]} is the
 * contiguous dimension) and a read-only view of its bytes inside the file mapping.
 */
public record GgufTensor(String name, GgmlType type, long[] ne, long fileOffset, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** Length of one row (the contiguous dimension). */
    public long cols() {
        return ne[0];
    }

    /** Number of rows: the product of every dimension after the first. */
    public long rows() {
        return elementCount() / ne[0];
    }

    public int dims() {
        return ne.length;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && t.name.equals(name) && t.type == type
                && Arrays.equals(t.ne, ne) && t.fileOffset == fileOffset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }
}
