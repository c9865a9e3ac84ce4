package dev.loupe.engine.cli;

import dev.loupe.engine.gguf.GgufArray;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.gguf")
    Path file;

    @Option(names = "--max-array", description = "Array elements shown per key (default ${DEFAULT-VALUE}).", defaultValue = "8")
    int maxArray;

    @Option(names = "--no-tensors", description = "Only print metadata.")
    boolean noTensors;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile f = GgufFile.open(file)) {
            out.printf("%s: GGUF v%d, %d metadata keys, %d tensors, alignment %d, data at byte %d%n",
                    file, f.version(), f.metadata().asMap().size(), f.tensors().size(), f.alignment(), f.dataOffset());
            for (Map.Entry<String, GgufValue> e : f.metadata().asMap().entrySet()) {
                out.printf("  %-48s %-8s %s%n", e.getKey(), e.getValue().type(), render(e.getValue().type(), e.getValue().value()));
            }
            if (!noTensors) {
                long total = 0;
                for (GgufTensor t : f.tensors().values()) {
                    out.printf("  %-48s %-6s %-24s %,d bytes%n", t.name(), t.type(), Arrays.toString(t.ne()), t.data().byteSize());
                    total += t.data().byteSize();
                }
                out.printf("tensor data: %,d bytes%n", total);
            }
        }
        out.flush();
        return 0;
    }

    private String render(GgufValueType type, Object v) {
        if (type == GgufValueType.STRING) {
            String s = (String) v;
            s = s.replace("\n", "\\n");
            return '"' + (s.length() > 120 ? s.substring(0, 120) + "…" : s) + '"';
        }
        if (type == GgufValueType.ARRAY) {
            GgufArray a = (GgufArray) v;
            StringBuilder sb = new StringBuilder(a.elementType() + "[" + a.size() + "] [");
            for (int i = 0; i < Math.min(maxArray, a.size()); i++) {
                if (i > 0) sb.append(", ");
                sb.append(render(a.elementType(), a.elements().get(i)));
            }
            return sb.append(a.size() > maxArray ? ", …]" : "]").toString();
        }
        return String.valueOf(v);
    }
}
