package dev.loupe.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes a test starts (Spark daemons, drivers), each with its output in a log file, and
 * the guarantee that every one of them and everything they started (executor JVMs) is gone
 * afterwards: {@link #close()} kills them, a shutdown hook does it if the test JVM is stopped,
 * and each runs under {@code timeout}, so not even a killed test JVM leaves a daemon behind for long.
 */
final class ChildProcesses implements AutoCloseable {
    /** A started process and the file that collects its stdout and stderr. */
    record Child(String name, Process process, Path log) {
        String logText() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The end of the log, for assertion messages. */
        String logTail() {
            String text = logText();
            return "--- " + name + " (" + log + ") ---\n" + text.substring(Math.max(0, text.length() - 4000));
        }
    }

    private final Path logDir;
    private final Duration lifetime;
    private final List<Child> children = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "kill-test-processes");

    ChildProcesses(Path logDir, Duration lifetime) {
        this.logDir = logDir;
        this.lifetime = lifetime;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code command} under {@code timeout}, in {@code dir}, with {@code env} added to this JVM's environment. */
    synchronized Child start(String name, List<String> command, Path dir, Map<String, String> env) {
        List<String> bounded = new ArrayList<>(List.of("timeout", "-s", "KILL", String.valueOf(lifetime.toSeconds())));
        bounded.addAll(command);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(bounded).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            Child c = new Child(name, pb.start(), log);
            children.add(c);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    synchronized List<Child> all() {
        return List.copyOf(children);
    }

    /** Every log, for a failing assertion's message. */
    String logTails() {
        StringBuilder b = new StringBuilder();
        for (Child c : all()) b.append(c.logTail()).append('\n');
        return b.toString();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to do
        }
    }

    /** Kills the newest first (driver, then workers and their executors, then the master), children before parents. */
    private synchronized void killAll() {
        for (int i = children.size() - 1; i >= 0; i--) {
            Process p = children.get(i).process();
            List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
            tree.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
                for (ProcessHandle h : tree) h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // still report what could not be stopped; the timeout wrapper ends it eventually
                System.err.println("could not confirm that " + children.get(i).name() + " stopped: " + e);
            }
        }
    }
}
