package dev.loupe.engine.gguf;

import dev.loupe.engine.tensor.GgmlType;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: metadata in insertion order, then tensor infos, then the aligned data
 * section. The file appears atomically (written to a temporary sibling, then renamed), so a
 * reader never sees half a model.
 */
public final class GgufWriter {
    /** Produces a tensor's bytes on demand, so that multi-gigabyte models need not sit in memory. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A tensor as it will appear in the file's tensor table. */
    public record PlannedTensor(String name, GgmlType type, List<Long> ne) {}

    private record PendingTensor(String name, GgmlType type, long[] ne, long bytes, TensorBytes data) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        if (key.equals("general.alignment")) alignment = Math.toIntExact((Long) value.value());
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        values.forEach(this::put);
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] ne, TensorBytes data) {
        long count = 1;
        for (long d : ne) count *= d;
        tensors.add(new PendingTensor(name, type, ne.clone(), type.bytesFor(count), data));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] ne, MemorySegment bytes) {
        return addTensor(name, type, ne, out -> copy(bytes, out));
    }

    /** Copies through a small buffer: a multi-gigabyte embedding table never becomes one heap array. */
    private static void copy(MemorySegment bytes, OutputStream out) throws IOException {
        byte[] buffer = new byte[1 << 20];
        for (long at = 0; at < bytes.byteSize(); at += buffer.length) {
            int n = (int) Math.min(buffer.length, bytes.byteSize() - at);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, at, buffer, 0, n);
            out.write(buffer, 0, n);
        }
    }

    public GgufWriter addTensor(String name, long[] ne, float[] values) {
        byte[] b = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            b[4 * i] = (byte) bits;
            b[4 * i + 1] = (byte) (bits >>> 8);
            b[4 * i + 2] = (byte) (bits >>> 16);
            b[4 * i + 3] = (byte) (bits >>> 24);
        }
        return addTensor(name, GgmlType.F32, ne, out -> out.write(b));
    }

    /** The metadata in file order (read-only): what {@link #write} will put in the header. */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** The tensor table in file order, without producing any tensor data. */
    public List<PlannedTensor> plannedTensors() {
        return tensors.stream()
                .map(t -> new PlannedTensor(t.name, t.type, Arrays.stream(t.ne).boxed().toList()))
                .toList();
    }

    public void write(Path target) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            try (OutputStream fileOut = Files.newOutputStream(tmp);
                 CountingOutput out = new CountingOutput(new BufferedOutputStream(fileOut, 1 << 20))) {
                out.u32(GgufFile.MAGIC);
                out.u32(3);
                out.u64(tensors.size());
                out.u64(metadata.size());
                for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
                    out.string(e.getKey());
                    out.u32(e.getValue().type().id);
                    out.value(e.getValue().type(), e.getValue().value());
                }
                long offset = 0;
                for (PendingTensor t : tensors) {
                    out.string(t.name);
                    out.u32(t.ne.length);
                    for (long d : t.ne) out.u64(d);
                    out.u32(t.type.id);
                    out.u64(offset);
                    offset = GgufFile.alignUp(offset + t.bytes, alignment);
                }
                out.padTo(alignment);
                for (PendingTensor t : tensors) {
                    long start = out.count;
                    t.data.writeTo(out);
                    long written = out.count - start;
                    if (written != t.bytes) {
                        throw new IllegalStateException("tensor " + t.name + " wrote " + written + " bytes, expected " + t.bytes);
                    }
                    out.padTo(alignment);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw new UncheckedIOException("cannot write " + target, e);
        } catch (RuntimeException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw e;
        }
    }

    private static final class CountingOutput extends DataOutputStream {
        long count;

        CountingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public synchronized void write(int b) throws IOException {
            super.write(b);
            count++;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        void u16(int v) throws IOException { write(v); write(v >>> 8); }
        void u32(int v) throws IOException { u16(v); u16(v >>> 16); }
        void u64(long v) throws IOException { u32((int) v); u32((int) (v >>> 32)); }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void padTo(int alignment) throws IOException {
            while (count % alignment != 0) write(0);
        }

        void value(GgufValueType type, Object v) throws IOException {
            switch (type) {
                case UINT8, INT8 -> write((int) (long) (Long) v);
                case UINT16, INT16 -> u16((int) (long) (Long) v);
                case UINT32, INT32 -> u32((int) (long) (Long) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v));
                case BOOL -> write(((Boolean) v) ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufArray a = (GgufArray) v;
                    u32(a.elementType().id);
                    u64(a.size());
                    for (Object e : a.elements()) value(a.elementType(), e);
                }
            }
        }
    }
}
