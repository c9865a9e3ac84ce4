package dev.loupe.engine.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The per-tensor report of a merge, as {@code --report} writes it (JSON, written atomically). */
public record MergeReport(String vision, String text, String output, String type, int merged, int kept,
                          List<String> unusedTextTensors, double seconds, List<TensorReport> tensors) {

    public void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw new UncheckedIOException("cannot write the merge report " + file, e);
        }
    }

    public static MergeReport read(Path file) {
        try {
            return new ObjectMapper().readValue(file.toFile(), MergeReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the merge report " + file, e);
        }
    }
}
