package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RemoteModelCopiesTest {
    @TempDir
    Path tmp;

    private Path cache;
    private RemoteModelCopies copies;

    @BeforeEach
    void setUp() throws Exception {
        cache = tmp.resolve("cache");
        Configuration conf = new Configuration();
        LocalAsRemoteFileSystem.register(conf);
        copies = new RemoteModelCopies(cache, conf);
        LocalAsRemoteFileSystem.OPENS.set(0);
    }

    @Test
    void sixteenThreadsGetOneCopyUnderTheFilesOwnName() throws Exception {
        Path remote = file("remote/model.gguf", 3_000_000);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return copies.localCopy(LocalAsRemoteFileSystem.uri(remote));
                }));
            }
            start.countDown();
            Set<Path> results = calls.stream().map(RemoteModelCopiesTest::get).collect(Collectors.toSet());
            assertEquals(1, results.size(), "one copy for everybody: " + results);
            Path copy = results.iterator().next();
            assertTrue(copy.startsWith(cache), copy.toString());
            assertEquals("model.gguf", copy.getFileName().toString());
            assertArrayEquals(Files.readAllBytes(remote), Files.readAllBytes(copy));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, LocalAsRemoteFileSystem.OPENS.get(), "the remote file was read once");
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aFileReplacedRemotelyGetsAFreshCopy() throws Exception {
        Path remote = file("remote/model.gguf", 1000);
        Path first = copies.localCopy(LocalAsRemoteFileSystem.uri(remote));
        Files.write(remote, new byte[1500]);
        Files.setLastModifiedTime(remote, FileTime.fromMillis(Files.getLastModifiedTime(remote).toMillis() + 5000));

        Path second = copies.localCopy(LocalAsRemoteFileSystem.uri(remote));

        assertNotEquals(first, second);
        assertEquals(1500, Files.size(second));
        assertEquals(1000, Files.size(first), "the old copy stays for whoever still maps it");
    }

    @Test
    void aDamagedCopyAndADeadCopiersLeftoversAreReplaced() throws Exception {
        Path remote = file("remote/model.gguf", 100_000);
        Path copy = copies.localCopy(LocalAsRemoteFileSystem.uri(remote));
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.setLength(10); // someone cut it short
        }
        Files.write(copy.resolveSibling("model.gguf.part-999-1"), new byte[42]); // an executor died mid-copy

        assertEquals(copy, copies.localCopy(LocalAsRemoteFileSystem.uri(remote)));

        assertArrayEquals(Files.readAllBytes(remote), Files.readAllBytes(copy));
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aMissingRemoteFileIsNamed() {
        String uri = LocalAsRemoteFileSystem.uri(tmp.resolve("nowhere/model.gguf"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> copies.localCopy(uri));
        assertEquals(uri + ": the model file does not exist", e.getMessage());
    }

    /** Two executors of one node, in two JVMs, asking for the same file at the same moment. */
    @Test
    void twoJvmsCopyingAtOnceMakeOneCopy() throws Exception {
        Path remote = tmp.resolve("remote/big-model.gguf"); // big enough that the two copy calls overlap in time
        Files.createDirectories(remote.getParent());
        try (RandomAccessFile f = new RandomAccessFile(remote.toFile(), "rw")) {
            f.setLength(200_000_000);
            f.write(new byte[] {'G', 'G', 'U', 'F'});
        }
        Path go = tmp.resolve("go");
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                children.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), CopyInAnotherJvm.class.getName(),
                        cache.toString(), LocalAsRemoteFileSystem.uri(remote), go.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
            List<BufferedReader> outputs = new ArrayList<>();
            for (Process p : children) {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
                assertEquals("ready", out.readLine());
                outputs.add(out);
            }
            Files.createFile(go);
            List<String[]> results = new ArrayList<>();
            for (BufferedReader out : outputs) results.add(out.readLine().split(" "));
            for (Process p : children) {
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
            }

            assertEquals(results.get(0)[0], results.get(1)[0], "the same copy");
            assertEquals(1, Integer.parseInt(results.get(0)[1]) + Integer.parseInt(results.get(1)[1]), "one of them read the remote file");
            long start0 = Long.parseLong(results.get(0)[2]), end0 = Long.parseLong(results.get(0)[3]);
            long start1 = Long.parseLong(results.get(1)[2]), end1 = Long.parseLong(results.get(1)[3]);
            assertTrue(start0 < end1 && start1 < end0, "the two calls overlapped, so the lock was contended");
            assertEquals(Files.size(remote), Files.size(Path.of(results.get(0)[0])));
            assertEquals(List.of(), temporaries());
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }

    private Path file(String name, int size) throws Exception {
        Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i += 4096) bytes[i] = (byte) (i / 4096);
        return Files.write(p, bytes);
    }

    private List<Path> temporaries() throws Exception {
        if (!Files.exists(cache)) return List.of();
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(p -> p.getFileName().toString().contains(".part-")).toList();
        }
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
