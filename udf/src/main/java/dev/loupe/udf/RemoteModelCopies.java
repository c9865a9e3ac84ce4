package dev.loupe.udf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local copies of remote model files ({@code hdfs://}, {@code s3a://}, ...): a GGUF is mapped,
 * and a mapping needs a local file. Each file is copied once per node and cache directory,
 * however many executors and tasks ask for it at the same time.
 *
 * <p>Layout: {@code <cacheDir>/<hash>/<file name>}, where the hash covers the URI, the remote
 * length and modification time, so a file replaced remotely gets a new copy rather than a stale
 * one. How a copy is made safe:
 * <ul>
 *   <li>one copier at a time per entry: a lock within the JVM (threads), then a file lock on
 *       {@code <hash>/.lock} between JVMs (executors of one node share the cache directory);
 *       whoever gets the lock second finds the copy done;</li>
 *   <li>bytes go to a temporary file that is renamed to the final name atomically once complete,
 *       so a reader never sees half a model, and a copier that dies leaves only a temporary
 *       file, which the next copier deletes;</li>
 *   <li>the copy must have the remote length, and the remote file must still have the same
 *       length and modification time afterwards; a copy that was cut short or raced a
 *       replacement is refused (Hadoop's FileChecksum would be stronger, but it is specific to
 *       each file system and absent on most object stores).</li>
 * </ul>
 */
final class RemoteModelCopies {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteModelCopies.class);
    static final String CACHE_DIR_CONF = AnnotatorSpec.CONF_PREFIX + "modelCacheDir";
    private static final String TEMPORARY = ".part-";

    private final Path cacheDir;
    private final Configuration hadoop;
    /** Per target file, for all instances: FileLock is held per JVM, so threads must queue before it. */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM_LOCKS = new ConcurrentHashMap<>();

    RemoteModelCopies(Path cacheDir, Configuration hadoop) {
        this.cacheDir = cacheDir;
        this.hadoop = hadoop;
    }

    /**
     * The copies an executor makes: in {@code spark.loupe.modelCacheDir}, by default
     * {@code <java.io.tmpdir>/loupe-models}, shared by the executors of a node.
     */
    static RemoteModelCopies forThisJvm() {
        String dir = SparkConfLookup.lookup(CACHE_DIR_CONF);
        Path cache = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "loupe-models");
        return new RemoteModelCopies(cache, HadoopConfs.current());
    }

    /** A local copy of {@code uri}, made now unless this node already has it. */
    Path localCopy(String uri) {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        try {
            FileSystem fs = remote.getFileSystem(hadoop);
            FileStatus status = fs.getFileStatus(remote);
            if (!status.isFile()) throw new IllegalArgumentException(uri + " is not a file");
            Path entry = cacheDir.resolve(entryName(uri, status));
            Path target = entry.resolve(remote.getName());
            if (isComplete(target, status)) return target;
            ReentrantLock lock = IN_JVM_LOCKS.computeIfAbsent(target.toAbsolutePath(), t -> new ReentrantLock());
            lock.lock();
            try {
                Files.createDirectories(entry);
                // Closing the channel releases the lock, also when the copy fails.
                try (FileChannel lockFile = FileChannel.open(entry.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    lockFile.lock();
                    if (isComplete(target, status)) return target; // another executor of this node copied it meanwhile
                    deleteTemporaries(entry);
                    copy(fs, status, target);
                    return target;
                }
            } finally {
                lock.unlock();
            }
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException(uri + ": the model file does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + uri + " to " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    private void copy(FileSystem fs, FileStatus status, Path target) throws IOException {
        long start = System.nanoTime();
        Path temporary = target.resolveSibling(target.getFileName() + TEMPORARY + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        long copied;
        try (InputStream in = fs.open(status.getPath());
             OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            copied = in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        FileStatus after = fs.getFileStatus(status.getPath());
        if (copied != status.getLen() || after.getLen() != status.getLen() || after.getModificationTime() != status.getModificationTime()) {
            Files.deleteIfExists(temporary);
            throw new IOException("copied " + copied + " bytes of " + status.getPath() + ", which had " + status.getLen()
                    + " bytes when the copy started and " + after.getLen() + " (modified " + after.getModificationTime()
                    + ") when it ended: the file changed or the copy was cut short");
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("Loupe: copied {} ({} bytes) to {} in {} s", status.getPath(), copied, target,
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
    }

    /** A complete copy has the final name (only an atomic rename gives it) and the remote length. */
    private static boolean isComplete(Path target, FileStatus status) throws IOException {
        return Files.isRegularFile(target) && Files.size(target) == status.getLen();
    }

    /** Leftovers of copiers that died; called with the entry's file lock held, so none is in use. */
    private static void deleteTemporaries(Path entry) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(entry, "*" + TEMPORARY + "*")) {
            for (Path f : files) Files.deleteIfExists(f);
        }
    }

    private static String entryName(String uri, FileStatus status) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (uri + "\n" + status.getLen() + "\n" + status.getModificationTime()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
