package dev.loupe.engine.cli;

import dev.loupe.engine.bench.ModelShape;
import dev.loupe.engine.bench.RandomModelMaker;
import dev.loupe.engine.tensor.GgmlType;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "make-model", description = {
        "Write a random-weight model at a real model's shapes: OUT (text) and OUT-mmproj.gguf next to it",
        "(qwen3-4b, a text model: OUT only; the text side of a merge with qwen3vl-4b, another --seed).",
        "For benchmarks without downloads; llama.cpp loads the files too. The text is gibberish."})
final class MakeModelCommand implements Callable<Integer> {
    @Option(names = "--like", required = true, paramLabel = "SHAPE", description = "smolvlm-256m, qwen3vl-4b, youtuvl-4b or qwen3-4b (text only)")
    String like;

    @Option(names = "--type", defaultValue = "Q8_0", description = "Text weight type: F32, F16, BF16, Q8_0 (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--mmproj-type", defaultValue = "F16", description = "mmproj weight type (default ${DEFAULT-VALUE}).")
    String mmprojType;

    @Option(names = "--seed", defaultValue = "1", description = "Weights seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(paramLabel = "OUT.gguf")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Path mmproj = RandomModelMaker.mmprojPathFor(out);
        RandomModelMaker maker = new RandomModelMaker(ModelShape.parse(like), parseType(type), parseType(mmprojType), seed);
        long start = System.nanoTime();
        // A 4B shape is gigabytes of random weights: say what is being written before the wait.
        String files = maker.writesMmproj() ? out + " and " + mmproj : out.toString();
        spec.commandLine().getErr().printf("make-model: writing %s (%s, %s text weights%s)%n", files, like, type,
                maker.writesMmproj() ? ", " + mmprojType + " mmproj" : "");
        spec.commandLine().getErr().flush();
        maker.write(out, mmproj);
        o.printf("wrote %s (%.1f s)%n", files, (System.nanoTime() - start) / 1e9);
        try {
            if (maker.writesMmproj()) o.printf("sizes: %,d and %,d bytes%n", Files.size(out), Files.size(mmproj));
            else o.printf("size: %,d bytes%n", Files.size(out));
        } catch (java.io.IOException ignored) {
            // sizes are informational
        }
        o.flush();
        return 0;
    }

    private static GgmlType parseType(String s) {
        try {
            return GgmlType.valueOf(s.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight type '" + s + "'");
        }
    }
}
