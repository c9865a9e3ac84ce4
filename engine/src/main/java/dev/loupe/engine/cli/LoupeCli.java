package dev.loupe.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java --add-modules jdk.incubator.vector -jar loupe.jar COMMAND ...} */
@Command(name = "loupe", mixinStandardHelpOptions = true, version = "loupe 0.1.0",
        description = "Run GGUF vision-language models as llama.cpp does, in pure Java.",
        subcommands = {InspectCommand.class, TokenizeCommand.class, GenerateCommand.class, OracleCheckCommand.class,
                MakeModelCommand.class, MergeCommand.class, BenchCommand.class, BenchAnnotateCommand.class,
                CommandLine.HelpCommand.class})
public final class LoupeCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (tests redirect its output streams). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LoupeCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("loupe: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (Boolean.getBoolean("loupe.debug")) e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }
}
