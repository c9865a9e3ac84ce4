package dev.loupe.udf;

import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.task.LabelScoring;
import dev.loupe.engine.task.grammar.ConstrainMode;
import dev.loupe.engine.vlm.GenerationSettings;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Everything a UDF instance needs on an executor: which model to load and how to generate.
 * Serializable and small, since it travels inside the UDF to every task. (The engine's
 * {@link GenerationSettings} is rebuilt from it on the executor.)
 *
 * <p>Option names are the same everywhere: {@code maxTokens} in {@link LoupeUdfs#register}'s map
 * is {@code spark.loupe.maxTokens} in a Spark conf.
 */
public record AnnotatorSpec(ModelKey key, int maxTokens, float temperature, int topK, float topP, float minP,
                            float repeatPenalty, int repeatLastN, long seed, int maxBatch, LabelScoring labelScoring,
                            ConstrainMode constrain) implements Serializable {

    public static final String CONF_PREFIX = "spark.loupe.";
    public static final String MODEL = "model";
    public static final String MMPROJ = "mmproj";
    public static final String LOADER = "loader";
    public static final String MAX_TOKENS = "maxTokens";
    public static final String TEMPERATURE = "temperature";
    public static final String TOP_K = "topK";
    public static final String TOP_P = "topP";
    public static final String MIN_P = "minP";
    public static final String REPEAT_PENALTY = "repeatPenalty";
    public static final String REPEAT_LAST_N = "repeatLastN";
    public static final String SEED = "seed";
    public static final String MAX_LONGEST_EDGE = "maxLongestEdge";
    /** Dynamic-resolution models (Qwen3-VL, Youtu-VL): the most tokens an image becomes (0: the model's own). */
    public static final String MAX_IMAGE_TOKENS = "maxImageTokens";
    /** exact or fast: how the vision encoder and prefill compute (see {@link Numerics}). */
    public static final String NUMERICS = "numerics";
    /**
     * Rows of one executor decoded together by the engine's batch scheduler: a number (1: one
     * row at a time), or {@code auto} (the default: {@link #AUTO_BATCH} where the model's
     * batched rows come out the same as alone, else 1).
     */
    public static final String MAX_BATCH = "maxBatch";
    /** Youtu-VL's dense segmentation readout, e.g. {@code hidden,unshifted} (see {@link dev.loupe.engine.task.DenseReadout}). */
    public static final String DENSE_READOUT = "denseReadout";
    /** The text of a prompt book whose lines replace the built-in one's (conf/prompt-book.properties' form). */
    public static final String PROMPT_BOOK = "promptBook";
    /** classify: a candidate label's score is the sum (default) or the mean of its tokens' log-probabilities ({@link LabelScoring}). */
    public static final String LABEL_SCORING = "labelScoring";
    /** on, off or auto (default): keep structured tasks' answers in their format's grammar ({@link ConstrainMode}). */
    public static final String CONSTRAIN = "constrain";
    /** true (default) or false: repack quantized text weights at load for fast prefill and decode ({@link ModelKey#repackWeights()}). */
    public static final String REPACK_WEIGHTS = "repackWeights";
    /** {@link #maxBatch()} when the option is {@code auto} or absent. */
    public static final int MAX_BATCH_AUTO = 0;
    /** The batch {@code auto} stands for: enough to share each decode step, small enough for KV memory. */
    public static final int AUTO_BATCH = 8;

    /** Every option a user may set, for error messages and for copying from a Spark conf. */
    public static final Set<String> OPTIONS = Set.of(MODEL, MMPROJ, LOADER, MAX_TOKENS, TEMPERATURE, TOP_K, TOP_P,
            MIN_P, REPEAT_PENALTY, REPEAT_LAST_N, SEED, MAX_LONGEST_EDGE, MAX_IMAGE_TOKENS, NUMERICS, MAX_BATCH, DENSE_READOUT, PROMPT_BOOK, LABEL_SCORING, REPACK_WEIGHTS, CONSTRAIN);

    public AnnotatorSpec {
        if (key == null) throw new IllegalArgumentException("no model given");
        // Range checks now, on the driver, rather than in the first task.
        new GenerationSettings(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
        if (maxBatch < MAX_BATCH_AUTO || maxBatch > 64) throw badMaxBatch(String.valueOf(maxBatch));
        if (labelScoring == null) labelScoring = LabelScoring.SUM;
        if (constrain == null) constrain = ConstrainMode.AUTO;
    }

    /** A spec whose structured answers are constrained where that cannot change a well-formed one ({@link ConstrainMode#AUTO}). */
    public AnnotatorSpec(ModelKey key, int maxTokens, float temperature, int topK, float topP, float minP,
                         float repeatPenalty, int repeatLastN, long seed, int maxBatch, LabelScoring labelScoring) {
        this(key, maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, maxBatch, labelScoring, ConstrainMode.AUTO);
    }

    /** A spec whose classify rows take the default label scoring (the sum). */
    public AnnotatorSpec(ModelKey key, int maxTokens, float temperature, int topK, float topP, float minP,
                         float repeatPenalty, int repeatLastN, long seed, int maxBatch) {
        this(key, maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, maxBatch, LabelScoring.SUM);
    }

    /**
     * Builds a spec from option values looked up by name ({@code model}, {@code maxTokens}, ...);
     * absent generation options take the engine's greedy defaults.
     */
    public static AnnotatorSpec fromOptions(UnaryOperator<String> option) {
        String model = option.apply(MODEL);
        String mmproj = option.apply(MMPROJ);
        if (model == null || model.isBlank()) throw new IllegalArgumentException("no model given (option " + MODEL + ", conf " + CONF_PREFIX + MODEL + ")");
        if (mmproj == null || mmproj.isBlank()) throw new IllegalArgumentException("no mmproj given (option " + MMPROJ + ", conf " + CONF_PREFIX + MMPROJ + ")");
        GenerationSettings d = GenerationSettings.GREEDY;
        return new AnnotatorSpec(new ModelKey(model.trim(), mmproj.trim(), option.apply(LOADER), parseInt(option, MAX_LONGEST_EDGE, 0),
                        parseNumerics(option), parseInt(option, MAX_IMAGE_TOKENS, 0), option.apply(DENSE_READOUT), option.apply(PROMPT_BOOK),
                        parseBoolean(option, REPACK_WEIGHTS, true)),
                parseInt(option, MAX_TOKENS, d.maxTokens()),
                parseFloat(option, TEMPERATURE, d.temperature()),
                parseInt(option, TOP_K, d.topK()),
                parseFloat(option, TOP_P, d.topP()),
                parseFloat(option, MIN_P, d.minP()),
                parseFloat(option, REPEAT_PENALTY, d.repeatPenalty()),
                parseInt(option, REPEAT_LAST_N, d.repeatLastN()),
                parseLong(option, SEED, d.seed()),
                parseMaxBatch(option),
                parseLabelScoring(option),
                parseConstrain(option));
    }

    /** {@link #fromOptions} over a map; unknown names are rejected so that typos do not pass silently. */
    public static AnnotatorSpec fromMap(Map<String, String> options) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(OPTIONS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown Loupe option(s) " + unknown + "; known: " + new TreeSet<>(OPTIONS));
        }
        return fromOptions(options::get);
    }

    /**
     * A copy whose local model paths are absolute, so every JVM (and the cache key) sees the same
     * files; remote URIs stay as they are.
     */
    public AnnotatorSpec withAbsolutePaths() {
        ModelKey abs = new ModelKey(absolute(key.model()), absolute(key.mmproj()), key.loader(), key.maxLongestEdge(), key.numerics(),
                key.maxImageTokens(), key.denseReadout(), key.promptBook(), key.repackWeights());
        return new AnnotatorSpec(abs, maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, maxBatch, labelScoring, constrain);
    }

    public GenerationSettings generationSettings() {
        return new GenerationSettings(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, constrain);
    }

    private static String absolute(String location) {
        if (location.startsWith("file:") || ModelLocations.isRemote(location)) return location;
        return Path.of(location).toAbsolutePath().normalize().toString();
    }

    private static Numerics parseNumerics(UnaryOperator<String> option) {
        String v = option.apply(NUMERICS);
        if (v == null) return Numerics.FAST;
        try {
            return Numerics.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option " + NUMERICS + " (" + CONF_PREFIX + NUMERICS + ") must be exact or fast, got '" + v + "'");
        }
    }

    /**
     * The rows a task keeps in flight: {@link #AUTO_BATCH} for {@code auto}, else the number
     * given. Whether they then share decode steps is decided on the executor, once the model is
     * loaded ({@link #batchFor}).
     */
    public int window() {
        return maxBatch == MAX_BATCH_AUTO ? AUTO_BATCH : maxBatch;
    }

    /**
     * The batch the executor's scheduler runs for a model: the number given, or with
     * {@code auto} {@link #AUTO_BATCH} when {@code reproducible} (batched rows equal rows
     * decoded alone, so a retried task writes the same rows), else 1.
     */
    public int batchFor(boolean reproducible) {
        if (maxBatch != MAX_BATCH_AUTO) return maxBatch;
        return reproducible ? AUTO_BATCH : 1;
    }

    private static LabelScoring parseLabelScoring(UnaryOperator<String> option) {
        try {
            return LabelScoring.parse(option.apply(LABEL_SCORING));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option " + LABEL_SCORING + " (" + CONF_PREFIX + LABEL_SCORING + ", --label-scoring) must be sum or mean, got '"
                    + option.apply(LABEL_SCORING) + "'");
        }
    }

    private static ConstrainMode parseConstrain(UnaryOperator<String> option) {
        try {
            return ConstrainMode.parse(option.apply(CONSTRAIN));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option " + CONSTRAIN + " (" + CONF_PREFIX + CONSTRAIN + ", --constrain) must be on, off or auto, got '"
                    + option.apply(CONSTRAIN) + "'");
        }
    }

    private static int parseMaxBatch(UnaryOperator<String> option) {
        String v = option.apply(MAX_BATCH);
        if (v == null || v.strip().equalsIgnoreCase("auto")) return MAX_BATCH_AUTO;
        int n = parseInt(option, MAX_BATCH, MAX_BATCH_AUTO);
        if (n < 1) throw badMaxBatch(v.strip());
        return n;
    }

    private static IllegalArgumentException badMaxBatch(String value) {
        return new IllegalArgumentException("option " + MAX_BATCH + " (" + CONF_PREFIX + MAX_BATCH + ", --max-batch) must be auto or in 1..64, got " + value);
    }

    /** true or false (any case); anything else is refused by name rather than read as false, as Boolean.parseBoolean would. */
    private static boolean parseBoolean(UnaryOperator<String> option, String name, boolean fallback) {
        String v = option.apply(name);
        if (v == null) return fallback;
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("true") || t.equals("false")) return t.equals("true");
        throw new IllegalArgumentException("option " + name + " (conf " + CONF_PREFIX + name + ") must be true or false, got '" + v + "'");
    }

    private static int parseInt(UnaryOperator<String> option, String name, int fallback) {
        String v = option.apply(name);
        try {
            return v == null ? fallback : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw badNumber(name, v);
        }
    }

    private static long parseLong(UnaryOperator<String> option, String name, long fallback) {
        String v = option.apply(name);
        try {
            return v == null ? fallback : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw badNumber(name, v);
        }
    }

    private static float parseFloat(UnaryOperator<String> option, String name, float fallback) {
        String v = option.apply(name);
        try {
            return v == null ? fallback : Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw badNumber(name, v);
        }
    }

    private static IllegalArgumentException badNumber(String name, String value) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "option %s (%s%s) is not a number: '%s'", name, CONF_PREFIX, name, value));
    }
}
