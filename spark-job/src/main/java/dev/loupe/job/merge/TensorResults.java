package dev.loupe.job.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.merge.TensorMerger;
import dev.loupe.engine.merge.TensorReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The merge job's work directory (any Hadoop file system the executors and the driver share):
 * per merged tensor {@code NAME.bin} (its bytes in the output type) and {@code NAME.json} (its
 * report), each written to a temporary name and renamed, the report last — a tensor is done when
 * its report exists, so a re-run skips it. {@code MERGE} names the inputs and the type, so parts
 * of a different merge are never mixed in.
 */
final class TensorResults {
    private static final String IDENTITY = "MERGE";
    private final Path dir;
    private final Configuration hadoop;

    TensorResults(String dir, Configuration hadoop) {
        this.dir = new Path(dir);
        this.hadoop = hadoop;
    }

    private FileSystem fs() throws IOException {
        return dir.getFileSystem(hadoop);
    }

    /** Creates the directory, or checks that what it holds belongs to this merge. */
    void claim(String identity) {
        try {
            FileSystem fs = fs();
            fs.mkdirs(dir);
            Path id = new Path(dir, IDENTITY);
            if (fs.exists(id)) {
                String existing;
                try (InputStream in = fs.open(id)) {
                    existing = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!existing.equals(identity)) {
                    throw new IllegalArgumentException("work directory " + dir + " holds the parts of another merge (" + existing.replace('\n', ' ')
                            + "); choose another --work-dir or delete it");
                }
            } else {
                write(fs, id, identity.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the work directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The reports of the tensors done so far, by name. */
    Map<String, TensorReport> done() {
        Map<String, TensorReport> done = new HashMap<>();
        try {
            FileSystem fs = fs();
            if (!fs.exists(dir)) return done;
            ObjectMapper json = new ObjectMapper();
            for (FileStatus s : fs.listStatus(dir)) {
                String n = s.getPath().getName();
                if (!n.endsWith(".json")) continue;
                try (InputStream in = fs.open(s.getPath())) {
                    TensorReport r = json.readValue(in, TensorReport.class);
                    done.put(r.name(), r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return done;
    }

    /** Stores one merged tensor: bytes first, then the report that marks it done. */
    void store(TensorMerger.MergedTensor m) {
        try {
            FileSystem fs = fs();
            String name = m.report().name();
            write(fs, new Path(dir, name + ".bin"), m.bytes());
            write(fs, new Path(dir, name + ".json"), new ObjectMapper().writeValueAsBytes(m.report()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store tensor " + m.report().name() + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Streams one stored tensor's bytes to {@code out}, checking its length. */
    void copyTo(String name, long expectedBytes, OutputStream out) throws IOException {
        Path p = new Path(dir, name + ".bin");
        FileSystem fs = fs();
        long length = fs.getFileStatus(p).getLen();
        if (length != expectedBytes) throw new IOException(p + " has " + length + " bytes, expected " + expectedBytes + ": delete it and re-run");
        try (InputStream in = fs.open(p)) {
            in.transferTo(out);
        }
    }

    void delete() {
        try {
            fs().delete(dir, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void write(FileSystem fs, Path target, byte[] bytes) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }
}
