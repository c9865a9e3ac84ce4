package dev.loupe.engine.cli;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.text.BpeTokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", description = "Tokenize text with a GGUF model's vocabulary, as llama_tokenize does.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf")
    Path model;

    @Option(names = "--no-parse-special", description = "Treat control tokens in the text as plain text.")
    boolean noParseSpecial;

    @Option(names = "--add-special", description = "Add BOS/EOS if the vocabulary asks for them.")
    boolean addSpecial;

    @Option(names = "--ids-only", description = "Print only the ids, space-separated.")
    boolean idsOnly;

    @Parameters(paramLabel = "TEXT", description = "Text to tokenize (\\n and \\t escapes are expanded).")
    String text;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String input = text.replace("\\n", "\n").replace("\\t", "\t");
        try (GgufFile f = GgufFile.open(model)) {
            BpeTokenizer tokenizer = BpeTokenizer.load(f);
            int[] ids = tokenizer.encode(input, addSpecial, !noParseSpecial);
            if (idsOnly) {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append(sb.isEmpty() ? "" : " ").append(id);
                out.println(sb);
            } else {
                for (int id : ids) {
                    String piece = new String(tokenizer.piece(id, true), StandardCharsets.UTF_8);
                    out.printf("%7d  '%s'%n", id, piece.replace("\n", "\\n").replace("\t", "\\t"));
                }
                out.println(ids.length + " tokens");
            }
        }
        out.flush();
        return 0;
    }
}
