package dev.loupe.job;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --conf-file FILE}: a job's long command line kept in a properties file. Each line is an
 * option by its flag's name ({@code input /data/photos}, {@code --max-tokens 64},
 * {@code resume true}) or by its {@code spark.loupe.*} key ({@code spark.loupe.maxTokens 64}); any
 * other {@code spark.*} key is a Spark setting ({@code spark.executor.memory 8g}), so a copy of
 * {@code conf/loupe-defaults.conf} is a valid file. {@code key value}, {@code key=value} and
 * {@code #} comments, as in Spark's own properties files.
 *
 * <p>Precedence: a flag on the command line wins over the file, the file over the
 * {@code spark.loupe.*} conf ({@code conf/loupe-defaults.conf}, {@code --conf}) and over the
 * demo's defaults. The file's options count as given: an {@code output} named in the file is
 * not scratch space, a {@code model} there is not the demo's.
 *
 * <p>The file is found by scanning the arguments before picocli parses them, because picocli
 * applies defaults before it matches options; the option itself is declared on each job so that
 * it shows in {@code --help} and parses.
 *
 * @param file    the file, for messages; null when there is none
 * @param options option (longest name, e.g. {@code --max-tokens}) → value, as the command line would give it
 * @param spark   Spark settings ({@code spark.*} keys that are no option's), set before Spark starts
 */
public record ConfFile(Path file, Map<String, String> options, Map<String, String> spark) {
    public static final String OPTION = "--conf-file";

    /**
     * A job's {@code main}: the command for {@code args} (its {@code --conf-file} read first, see
     * the jobs' {@code commandLine}) executed, the JVM exiting with its code; a bad file exits 2
     * with a line naming it, before any option is parsed.
     */
    public static void runJob(String program, String[] args, Function<String[], CommandLine> commandLine) {
        CommandLine cli;
        try {
            cli = commandLine.apply(args);
        } catch (IllegalArgumentException badConfFile) {
            System.err.println(program + ": " + badConfFile.getMessage());
            System.exit(2);
            return;
        }
        System.exit(cli.execute(args));
    }

    /** The {@code spark.loupe.*} keys that a job flag sets (docs/options.md's table), and the flag. */
    static final Map<String, String> FLAG_OF_KEY = Map.ofEntries(
            Map.entry("spark.loupe.model", "--model"),
            Map.entry("spark.loupe.mmproj", "--mmproj"),
            Map.entry("spark.loupe.maxTokens", "--max-tokens"),
            Map.entry("spark.loupe.temperature", "--temperature"),
            Map.entry("spark.loupe.seed", "--seed"),
            Map.entry("spark.loupe.topK", "--top-k"),
            Map.entry("spark.loupe.topP", "--top-p"),
            Map.entry("spark.loupe.minP", "--min-p"),
            Map.entry("spark.loupe.repeatPenalty", "--repeat-penalty"),
            Map.entry("spark.loupe.repeatLastN", "--repeat-last-n"),
            Map.entry("spark.loupe.maxLongestEdge", "--max-longest-edge"),
            Map.entry("spark.loupe.maxImageTokens", "--max-image-tokens"),
            Map.entry("spark.loupe.numerics", "--numerics"),
            Map.entry("spark.loupe.maxBatch", "--max-batch"),
            Map.entry("spark.loupe.denseReadout", "--dense-readout"),
            Map.entry("spark.loupe.labelScoring", "--label-scoring"));
    /** {@code spark.loupe.repackWeights false} is {@code --no-repack}: the one key whose flag says the opposite. */
    static final String REPACK_KEY = "spark.loupe.repackWeights";

    public ConfFile {
        options = Map.copyOf(options);
        spark = Map.copyOf(spark);
    }

    /** No file: nothing changes. */
    public static ConfFile none() {
        return new ConfFile(null, Map.of(), Map.of());
    }

    /**
     * The file that {@code args} name with {@code --conf-file FILE} or {@code --conf-file=FILE}
     * (the last, if several), read and checked against the command's options; {@link #none()}
     * when they name none.
     *
     * @throws IllegalArgumentException naming the file and the key, for a missing file, an
     *                                  unknown key or a key that is not an option's
     */
    public static ConfFile of(String[] args, CommandSpec command) {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(OPTION) && i + 1 < args.length) file = Path.of(args[++i]);
            else if (args[i].startsWith(OPTION + "=")) file = Path.of(args[i].substring(OPTION.length() + 1));
        }
        return file == null ? none() : read(file, command);
    }

    static ConfFile read(Path file, CommandSpec command) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(OPTION + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(OPTION + " " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> spark = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames().stream().sorted().toList()) {
            String value = p.getProperty(key).strip();
            String flag = key.equals(REPACK_KEY) ? "--no-repack" : FLAG_OF_KEY.get(key);
            if (flag == null && key.startsWith("spark.")) {
                spark.put(key, value);
                continue;
            }
            if (flag == null) flag = key.startsWith("-") ? key : "--" + key;
            OptionSpec option = command.findOption(flag);
            if (option == null || option.longestName().equals(OPTION) || option.usageHelp() || option.versionHelp()) {
                throw new IllegalArgumentException(OPTION + " " + file + ": '" + key + "' is not an option of " + command.name()
                        + " (--help lists them; write them without the leading --) nor a spark.* key");
            }
            if (key.equals(REPACK_KEY)) value = Boolean.toString(!Boolean.parseBoolean(value));
            if (options.put(option.longestName(), value) != null) {
                throw new IllegalArgumentException(OPTION + " " + file + ": " + option.longestName() + " is set twice (by '" + key + "' and another key)");
            }
        }
        return new ConfFile(file, options, spark);
    }

    /** Whether the file gives this option (by its longest name), so that it counts as given, not defaulted. */
    public boolean gives(String option) {
        return options.containsKey(option);
    }

    /** Defaults for picocli: the file's value of an option, else {@code fallback}'s (the demo's). */
    public IDefaultValueProvider over(IDefaultValueProvider fallback) {
        return argument -> {
            if (argument instanceof OptionSpec option && options.containsKey(option.longestName())) {
                return options.get(option.longestName());
            }
            return fallback == null ? null : fallback.defaultValue(argument);
        };
    }

    /**
     * Sets the file's Spark settings as system properties, where a {@code SparkConf} made from
     * here on reads them (over {@code conf/loupe-defaults.conf}'s, which submit.sh passes the
     * same way); call before Spark starts.
     */
    public void applySparkSettings() {
        spark.forEach(System::setProperty);
    }

    /** The help text of each job's {@code --conf-file} option (a constant: annotations need one). */
    public static final String HELP = "A properties file of options, for long command lines: each line an option by its flag's name "
            + "without the -- (input /data/photos, max-tokens 64, resume true) or its spark.loupe.* key (spark.loupe.maxTokens 64); "
            + "other spark.* keys are Spark settings (a copy of conf/loupe-defaults.conf is a valid file). "
            + "Flags on the command line win over the file. Template: conf/job-options.conf.";
}
