package dev.loupe.job.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The report as one self-contained HTML file: sections in order under a title and a table of
 * contents, with the stylesheet and the drawing script (report.css, report.js, beside this class)
 * inlined and the images embedded, so the file can be mailed, archived or opened offline. It is
 * written aside and renamed into place whole.
 */
public final class ReportPage {
    private ReportPage() {}

    public static void write(Path file, String title, String subtitle, List<ReportSection> sections) {
        Path tmp = file.toAbsolutePath().resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(tmp.getParent());
            try (Writer w = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))) {
                Html html = new Html(w);
                html.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
                html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").text(title).raw("</title>");
                html.raw("<style>").raw(resource("report.css")).raw("</style></head>\n<body>");
                html.raw("<header><h1>").text(title).raw("</h1>");
                if (subtitle != null) html.element("p", "subtitle", subtitle);
                html.raw("<nav>");
                for (ReportSection s : sections) html.raw("<a href=\"#" + s.id() + "\">").text(s.title()).raw("</a>");
                html.raw("</nav></header>\n<main>");
                for (ReportSection s : sections) {
                    html.raw("<section id=\"" + s.id() + "\"><h2>").text(s.title()).raw("</h2>\n");
                    s.render(html);
                    html.raw("</section>\n");
                }
                html.raw("</main>\n<script>").raw(resource("report.js")).raw("</script></body></html>\n");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the move succeeded, or the failure being reported matters more
            }
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing beside " + ReportPage.class.getName() + " on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
