package dev.loupe.job.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;

/**
 * A real browser for the report's tests: Debian's {@code chromium}, installed with apt-get when
 * absent (this needs root and a reachable Debian mirror; .ci/run installs it up front). Only when
 * it cannot be installed are the browser tests skipped, with the reason. It renders a page to a
 * PNG with the flags of a sandboxless, GPU-less, offline machine.
 */
final class HeadlessChromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static Path binary;

    private HeadlessChromium() {}

    /** The browser, installed if need be; skips the calling test when that is impossible. */
    static synchronized Path require() {
        if (binary != null) return binary;
        binary = find();
        if (binary == null) {
            String log = install();
            binary = find();
            Assumptions.assumeTrue(binary != null, "headless Chromium is not installed and `apt-get install -y chromium` did not "
                    + "install it, so the report's browser tests are skipped:\n" + log);
        }
        return binary;
    }

    /** Renders {@code page} in a {@code width x height} window and returns the screenshot. */
    static BufferedImage screenshot(Path page, int width, int height, Path workDir) throws Exception {
        Path png = workDir.resolve(page.getFileName() + ".png");
        List<String> command = List.of(require().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--user-data-dir=" + Files.createDirectories(workDir.resolve("chromium-profile")),
                "--window-size=" + width + "," + height, "--screenshot=" + png, page.toUri().toString());
        Path log = workDir.resolve("chromium.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + command + "\n" + Files.readString(log));
        }
        if (p.exitValue() != 0 || !Files.exists(png)) {
            throw new AssertionError("chromium exited with " + p.exitValue() + " and no screenshot: " + command + "\n" + Files.readString(log));
        }
        return ImageIO.read(png.toFile());
    }

    private static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : NAMES) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** apt-get install, after apt-get update when the package lists are too old to know it; returns the output. */
    private static String install() {
        StringBuilder log = new StringBuilder();
        if (run(log, "apt-get", "install", "-y", "-q", "chromium") != 0) {
            run(log, "apt-get", "update", "-q");
            run(log, "apt-get", "install", "-y", "-q", "chromium");
        }
        return log.toString();
    }

    private static int run(StringBuilder log, String... command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(15, TimeUnit.MINUTES);
            log.append("$ ").append(String.join(" ", command)).append('\n').append(tail(out));
            if (!done) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            log.append("$ ").append(String.join(" ", command)).append(": ").append(e.getMessage()).append('\n');
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String tail(String s) {
        return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    }
}
