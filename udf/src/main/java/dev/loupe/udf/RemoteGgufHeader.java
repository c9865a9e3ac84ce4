package dev.loupe.udf;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The metadata of a remote GGUF file, read from the head of the file through Hadoop's
 * FileSystem, so the driver can check a model on HDFS or S3 without copying gigabytes of
 * weights it never uses. Only scalar values are kept (arrays, such as the vocabulary, are read
 * past); tensor descriptions are not read: a truncated remote file is caught when an executor
 * copies and maps it.
 *
 * <p>The layout (GGUF v2 and v3, little-endian): magic "GGUF", version, tensor count, metadata
 * count, then per entry a key string, a type id and the value.
 */
final class RemoteGgufHeader {
    static final int MAGIC = 0x46554747;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final String uri;
    private final long size;
    private final DataInputStream in;
    private long position;

    private RemoteGgufHeader(String uri, long size, DataInputStream in) {
        this.uri = uri;
        this.size = size;
        this.in = in;
    }

    /**
     * Scalar metadata by key: strings as String, integers and booleans as Long, floats as Double.
     *
     * @throws IllegalArgumentException naming {@code uri} and its {@code role} if the file is missing or not GGUF
     */
    static Map<String, Object> read(String uri, String role, Configuration hadoop) {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus status = fs.getFileStatus(path);
            if (!status.isFile()) throw new IllegalArgumentException(uri + ": " + role + " is not a file");
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(path), 1 << 16))) {
                return new RemoteGgufHeader(uri, status.getLen(), in).metadata();
            }
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException(uri + ": " + role + " file does not exist", e);
        } catch (EOFException e) {
            throw new IllegalArgumentException(uri + ": the file ends inside its GGUF header: truncated or not a GGUF file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> metadata() throws IOException {
        int magic = u32();
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format("%s: not a GGUF file (magic 0x%08x, expected \"GGUF\")", uri, magic));
        }
        int version = u32();
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException(uri + ": unsupported GGUF version " + version + " (Loupe reads versions 2 and 3)");
        }
        u64(); // tensor count: the tensor index is not read here
        long entries = count("metadata count", 3); // an entry takes at least a key length, a type and a byte
        Map<String, Object> values = new HashMap<>();
        for (long i = 0; i < entries; i++) {
            String key = string();
            int type = u32();
            Object value = value(type, key);
            if (value != null) values.put(key, value);
        }
        return values;
    }

    /** The value of one entry; null for arrays, which are skipped. */
    private Object value(int type, String key) throws IOException {
        return switch (type) {
            case 0, 1, 7 -> (long) (type == 1 ? readByte() : readByte() & 0xff); // uint8, int8, bool
            case 2 -> (long) (u16() & 0xffff);
            case 3 -> (long) u16();
            case 4 -> u32() & 0xffffffffL;
            case 5 -> (long) u32();
            case 6 -> (double) Float.intBitsToFloat(u32());
            case STRING -> string();
            case ARRAY -> {
                int elementType = u32();
                long n = count("array " + key, 1);
                for (long i = 0; i < n; i++) value(elementType, key);
                yield null;
            }
            case 10, 11 -> u64();
            case 12 -> Double.longBitsToDouble(u64());
            default -> throw new IllegalArgumentException(uri + ": metadata key " + key + " has unknown value type " + type
                    + ": not a GGUF file, or a damaged one");
        };
    }

    private String string() throws IOException {
        int length = (int) count("string", 1);
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        position += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A count or length that must fit in what is left of the file, else the header is garbage. */
    private long count(String what, int minBytesEach) throws IOException {
        long n = u64();
        if (n < 0 || n > (size - position) / minBytesEach || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(uri + ": " + what + " of " + n + " does not fit in the file's " + size
                    + " bytes: truncated or not a GGUF file");
        }
        return n;
    }

    private byte readByte() throws IOException {
        position += 1;
        return in.readByte();
    }

    private short u16() throws IOException {
        position += 2;
        return Short.reverseBytes(in.readShort());
    }

    private int u32() throws IOException {
        position += 4;
        return Integer.reverseBytes(in.readInt());
    }

    private long u64() throws IOException {
        position += 8;
        return Long.reverseBytes(in.readLong());
    }
}
