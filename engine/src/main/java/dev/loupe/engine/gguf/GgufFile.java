package dev.loupe.engine.gguf;

import dev.loupe.engine.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3) mapped read-only as one {@link MemorySegment}, whatever its
 * size. Metadata is parsed eagerly; tensors are views into the mapping, never copies. The
 * mapping lives until {@link #close()}; tensor views must not be used after that.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final long alignment;
    private final long dataOffset;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensor> tensors;

    private GgufFile(Path path, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        Cursor in = new Cursor(path, mapping);
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(path, String.format("not a GGUF file (magic 0x%08x, expected \"GGUF\")", magic));
        }
        version = in.u32("version");
        if (version != 2 && version != 3) {
            throw new GgufFormatException(path, "unsupported GGUF version " + version + " (Loupe reads versions 2 and 3)");
        }
        long tensorCount = in.count("tensor count");
        long kvCount = in.count("metadata count");

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            int typeId = in.u32("type of " + key);
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw new GgufFormatException(path, "metadata key " + key + " has unknown value type " + typeId);
            kv.put(key, new GgufValue(type, in.value(type, key)));
        }
        metadata = new GgufMetadata(path, kv);
        long align = metadata.integer("general.alignment", DEFAULT_ALIGNMENT);
        if (align <= 0 || Long.bitCount(align) != 1) {
            throw new GgufFormatException(path, "general.alignment must be a power of two, got " + align);
        }
        alignment = align;

        record Info(String name, GgmlType type, long[] ne, long offset) {}
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor name #" + i);
            int nDims = in.u32("dimension count of " + name);
            if (nDims < 1 || nDims > 4) throw new GgufFormatException(path, "tensor " + name + " has " + nDims + " dimensions (ggml allows 1 to 4)");
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64("shape of " + name);
                if (ne[d] <= 0) throw new GgufFormatException(path, "tensor " + name + " has non-positive dimension " + ne[d]);
            }
            int typeId = in.u32("type of " + name);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw new GgufFormatException(path, "tensor " + name + " has unknown ggml type " + typeId);
            long offset = in.u64("offset of " + name);
            infos.add(new Info(name, type, ne, offset));
        }
        dataOffset = alignUp(in.position(), alignment);

        Map<String, GgufTensor> byName = new LinkedHashMap<>();
        for (Info info : infos) {
            long count = 1;
            for (long d : info.ne) count = Math.multiplyExact(count, d);
            if (info.ne[0] % info.type.blockSize != 0) {
                throw new GgufFormatException(path, "tensor " + info.name + " of type " + info.type + " has rows of " + info.ne[0]
                        + " values, not a multiple of its block size " + info.type.blockSize);
            }
            long bytes = count / info.type.blockSize * info.type.blockBytes;
            long start = dataOffset + info.offset;
            if (info.offset % alignment != 0) {
                throw new GgufFormatException(path, "tensor " + info.name + " offset " + info.offset + " is not aligned to " + alignment);
            }
            if (start < dataOffset || start + bytes > mapping.byteSize()) {
                throw new GgufFormatException(path, "tensor " + info.name + " (" + bytes + " bytes at " + start + ") runs past the end of the file ("
                        + mapping.byteSize() + " bytes): the file is truncated");
            }
            if (byName.put(info.name, new GgufTensor(info.name, info.type, info.ne, start, mapping.asSlice(start, bytes))) != null) {
                throw new GgufFormatException(path, "duplicate tensor name " + info.name);
            }
        }
        tensors = Collections.unmodifiableMap(byName);
    }

    /** Maps and parses a GGUF file. Errors name the file and what is wrong with it. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new GgufFormatException(path, "the file is empty");
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new GgufFile(path, arena, mapping);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GgufFormatException(path, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new GgufFormatException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }
    public int version() { return version; }
    public long alignment() { return alignment; }
    public long dataOffset() { return dataOffset; }
    public GgufMetadata metadata() { return metadata; }
    public Map<String, GgufTensor> tensors() { return tensors; }
    public MemorySegment mapping() { return mapping; }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor with this name; an error naming the file when it is absent. */
    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new GgufFormatException(path, "missing tensor " + name);
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    /** Sequential little-endian reader over the mapping that reports truncation by field. */
    private static final class Cursor {
        private final Path path;
        private final MemorySegment seg;
        private long pos;

        Cursor(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        long position() { return pos; }

        private void need(long n, String what) {
            if (n < 0 || pos + n > seg.byteSize()) {
                throw new GgufFormatException(path, "truncated header: the file ends at byte " + seg.byteSize() + " while reading " + what + " at byte " + pos);
            }
        }

        int u8(String what) { need(1, what); return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff; }
        int u32(String what) { need(4, what); int v = seg.get(U32, pos); pos += 4; return v; }
        long u64(String what) { need(8, what); long v = seg.get(U64, pos); pos += 8; return v; }

        long count(String what) {
            long n = u64(what);
            // Every entry takes at least 8 bytes, so a count larger than the file is corrupt.
            if (n < 0 || n > seg.byteSize()) throw new GgufFormatException(path, "implausible " + what + " " + Long.toUnsignedString(n));
            return n;
        }

        String string(String what) {
            long len = u64("length of " + what);
            need(len, what);
            if (len > Integer.MAX_VALUE) throw new GgufFormatException(path, what + " is " + len + " bytes long");
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        Object value(GgufValueType type, String key) {
            return switch (type) {
                case UINT8 -> (long) u8(key);
                case INT8 -> (long) (byte) u8(key);
                case UINT16 -> { need(2, key); long v = Short.toUnsignedLong(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos)); pos += 2; yield v; }
                case INT16 -> { need(2, key); long v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos); pos += 2; yield v; }
                case UINT32 -> Integer.toUnsignedLong(u32(key));
                case INT32 -> (long) u32(key);
                case UINT64, INT64 -> u64(key);
                case FLOAT32 -> Float.intBitsToFloat(u32(key));
                case FLOAT64 -> Double.longBitsToDouble(u64(key));
                case BOOL -> u8(key) != 0;
                case STRING -> string(key);
                case ARRAY -> array(key);
            };
        }

        GgufArray array(String key) {
            int typeId = u32("element type of " + key);
            GgufValueType elementType = GgufValueType.byId(typeId);
            if (elementType == null) throw new GgufFormatException(path, "array " + key + " has unknown element type " + typeId);
            long n = count("length of array " + key);
            List<Object> elements = new ArrayList<>((int) Math.min(n, 1 << 20));
            for (long i = 0; i < n; i++) elements.add(value(elementType, key));
            return new GgufArray(elementType, Collections.unmodifiableList(elements));
        }
    }
}
