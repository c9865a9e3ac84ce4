package dev.loupe.udf;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/**
 * The other executor of a node, for {@link RemoteModelCopiesTest}: a separate JVM that copies a
 * remote file into a shared cache directory. Arguments: cache dir, remote URI, go file. Prints
 * "ready", waits for the go file, copies, then prints the copy's path, how many times it opened
 * the remote file, and when the copy call started and ended (epoch ms).
 */
public final class CopyInAnotherJvm {
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        LocalAsRemoteFileSystem.register(conf);
        RemoteModelCopies copies = new RemoteModelCopies(Path.of(args[0]), conf);
        Path go = Path.of(args[2]);
        System.out.println("ready");
        System.out.flush();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.exists(go)) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no go file " + go);
            Thread.sleep(5);
        }
        long start = System.currentTimeMillis();
        Path copy = copies.localCopy(args[1]);
        long end = System.currentTimeMillis();
        System.out.println(copy + " " + LocalAsRemoteFileSystem.OPENS.get() + " " + start + " " + end);
    }
}
