package dev.loupe.job.tools;

import dev.loupe.engine.cli.LoupeCli;
import picocli.CommandLine;

/**
 * The {@code loupe} command line with the commands over annotation Parquet added to the engine's:
 * {@code export-coco}, {@code import-coco} and {@code report} need parquet-avro and Hadoop, which
 * the engine's jar leaves out on purpose, so they live here and run from the spark-job classpath.
 * One command line for both keeps {@code ./loupe --help} listing every command; the {@code ./loupe}
 * launcher still runs the engine's commands from the engine's own jar.
 */
public final class LoupeTools {
    private LoupeTools() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = LoupeCli.commandLine();
        CommandLine help = cl.getSubcommands().get("help");
        cl.getCommandSpec().removeSubcommand("help"); // re-added below, to stay last in the list
        cl.addSubcommand(new ExportCocoCommand());
        cl.addSubcommand(new ImportCocoCommand());
        cl.addSubcommand(new ReportCommand());
        if (help != null) cl.addSubcommand("help", help);
        return cl;
    }
}
