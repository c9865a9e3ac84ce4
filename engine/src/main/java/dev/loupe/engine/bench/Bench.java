package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.llm.KvCache;
import dev.loupe.engine.llm.TextDecoder;
import dev.loupe.engine.llm.TextDecoders;
import dev.loupe.engine.vision.Idefics3Projector;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.Qwen3VlEncoder;
import dev.loupe.engine.vision.YoutuVlEncoder;
import dev.loupe.engine.vision.SiglipEncoder;
import dev.loupe.engine.vision.VisionConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * llama-bench-style measurements of one model: prompt processing (pp, one call of N tokens),
 * text generation (tg, N single-token steps from an empty cache), batched decode (B sequences
 * stepping together) and one vision encoder pass. Each figure is the median of the
 * repetitions after one warm-up run; prefill and decode are never averaged together.
 */
public final class Bench {
    private final TextDecoder decoder;
    private final GgufFile vision;
    private final ComputePool pool;
    private final Numerics numerics;
    private final int repetitions;
    /** Whether weights are repacked at load, as models do. */
    private final boolean repack;

    /**
     * The encoders {@link #imageEncodeSeconds} times: SigLIP with the idefics3 projector (one
     * tile), and the dynamic-resolution towers of Qwen3-VL and Youtu-VL with their mergers (one
     * 512x512 image: 256 tokens).
     */
    static final List<String> TIMED_PROJECTORS = List.of("idefics3", "qwen3vl_merger", "youtuvl");
    /** Side of the image a dynamic-resolution encoder is timed on. */
    static final int DYNAMIC_IMAGE_SIDE = 512;

    public Bench(GgufFile text, GgufFile vision, ComputePool pool, Numerics numerics, int repetitions) {
        this(text, vision, pool, numerics, repetitions, true);
    }

    /** With {@code repack}, the text model's weights are repacked at load as models do ({@link TextDecoder#repacked()}). */
    public Bench(GgufFile text, GgufFile vision, ComputePool pool, Numerics numerics, int repetitions, boolean repack) {
        if (vision != null) {
            // Refuse before minutes of text timing, naming the projector rather than a missing tensor.
            String projector = vision.metadata().optString("clip.projector_type").orElse("(none)");
            if (!TIMED_PROJECTORS.contains(projector)) {
                throw new UnsupportedOperationException(vision.path() + ": projector " + projector
                        + " cannot be timed yet (supported: " + String.join(", ", TIMED_PROJECTORS) + "); leave out --mmproj for the text figures");
            }
        }
        this.decoder = TextDecoders.open(text, pool, numerics, repack);
        this.vision = vision;
        this.pool = pool;
        this.numerics = numerics;
        this.repetitions = repetitions;
        this.repack = repack;
    }

    /** Median tokens/s of evaluating {@code n} random tokens in one call. */
    public double promptTokensPerSecond(int n) {
        return n / medianSeconds(() -> {
            KvCache cache = decoder.newCache(n);
            float[] x = embed(randomTokens(n, 1));
            long t0 = System.nanoTime();
            decoder.forward(x, n, cache, false);
            return (System.nanoTime() - t0) / 1e9;
        });
    }

    /** Median tokens/s of {@code n} single-token decode steps from an empty cache. */
    public double generateTokensPerSecond(int n) {
        return generateTokensPerSecond(n, 0);
    }

    /**
     * Median tokens/s of {@code n} single-token decode steps after {@code depth} positions already
     * in the cache (prefilled untimed; llama-bench's {@code -d}): a caption is decoded after the
     * image's hundreds of positions, where attention costs as much as the weights.
     */
    public double generateTokensPerSecond(int n, int depth) {
        return n / medianSeconds(() -> {
            KvCache cache = decoder.newCache(depth + n);
            if (depth > 0) decoder.forward(embed(randomTokens(depth, 5)), depth, cache, false);
            int[] tokens = randomTokens(n, 2);
            float[] x = new float[decoder.embeddingLength()];
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                decoder.embed(tokens, i, 1, x, 0);
                decoder.forward(x, 1, cache, false);
            }
            return (System.nanoTime() - t0) / 1e9;
        });
    }

    /** What loading repacked. */
    public dev.loupe.engine.tensor.RepackedWeights repacked() {
        return decoder.repacked();
    }

    /**
     * Median tokens/s (all sequences together) of {@code steps} decode steps of {@code batch}
     * sequences, each first given a {@code prompt}-token prompt (not timed).
     */
    public double batchedTokensPerSecond(int batch, int prompt, int steps) {
        return (double) batch * steps / medianSeconds(() -> {
            KvCache[] caches = new KvCache[batch];
            for (int s = 0; s < batch; s++) {
                caches[s] = decoder.newCache(prompt + steps);
                decoder.forward(embed(randomTokens(prompt, 10 + s)), prompt, caches[s], false);
            }
            int e = decoder.embeddingLength();
            float[] x = new float[batch * e];
            int[] tokens = randomTokens(batch * steps, 3);
            long t0 = System.nanoTime();
            for (int step = 0; step < steps; step++) {
                decoder.embed(tokens, step * batch, batch, x, 0);
                decoder.decodeBatch(x, caches);
            }
            return (System.nanoTime() - t0) / 1e9;
        });
    }

    /**
     * Median seconds of one vision encoder pass (encoder + projector) on a square input: one tile
     * for idefics3, a {@value #DYNAMIC_IMAGE_SIDE}-pixel square image for Qwen3-VL and Youtu-VL.
     */
    public double imageEncodeSeconds() {
        SplittableRandom rnd = new SplittableRandom(4);
        String projector = vision.metadata().string("clip.projector_type");
        if (!projector.equals("idefics3")) {
            java.util.function.Function<DynamicImage, float[]> encoder;
            if (projector.equals("youtuvl")) {
                YoutuVlEncoder youtu = new YoutuVlEncoder(vision, pool, numerics);
                repackVision(youtu.weights());
                encoder = youtu::encode;
            } else {
                Qwen3VlEncoder qwen = new Qwen3VlEncoder(vision, pool, numerics);
                repackVision(qwen.weights());
                encoder = qwen::encode;
            }
            int side = DYNAMIC_IMAGE_SIDE;
            float[] pixels = new float[3 * side * side];
            for (int i = 0; i < pixels.length; i++) pixels[i] = (float) (rnd.nextDouble() * 2 - 1);
            DynamicImage image = new DynamicImage(side, side, pixels);
            return medianSeconds(() -> {
                long t0 = System.nanoTime();
                encoder.apply(image);
                return (System.nanoTime() - t0) / 1e9;
            });
        }
        VisionConfig c = VisionConfig.from(vision);
        SiglipEncoder encoder = new SiglipEncoder(vision, c, pool, numerics);
        Idefics3Projector idefics3 = new Idefics3Projector(vision, c, pool, numerics);
        repackVision(encoder.weights());
        repackVision(idefics3.weights());
        float[] pixels = new float[3 * c.imageSize() * c.imageSize()];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) (rnd.nextDouble() * 2 - 1);
        return medianSeconds(() -> {
            long t0 = System.nanoTime();
            idefics3.project(encoder.encode(pixels));
            return (System.nanoTime() - t0) / 1e9;
        });
    }

    /** The vision weights repacked as a model's load does ({@link dev.loupe.engine.vlm.ModelOptions#repackVision}); not timed. */
    private void repackVision(List<dev.loupe.engine.tensor.WeightMatrix> weights) {
        if (repack && numerics == Numerics.FAST) dev.loupe.engine.tensor.RepackedWeights.forPrompts(weights, pool);
    }

    /** Runs the standard set and returns name → value, in order (keys as in --json). */
    public Map<String, Double> standard(int pp, int tg, int depth, int[] batches, boolean image) {
        return standard(pp, tg, depth, batches, image, step -> {});
    }

    /**
     * As {@link #standard(int, int, int, int[], boolean)}, telling {@code progress} each figure as
     * it is measured ({@code "pp512_tps 123.456 (1 of 5)"}): a bench of a 4B model takes minutes.
     */
    public Map<String, Double> standard(int pp, int tg, int depth, int[] batches, boolean image, java.util.function.Consumer<String> progress) {
        List<Map.Entry<String, DoubleSupplier>> steps = new ArrayList<>();
        if (pp > 0) steps.add(Map.entry("pp" + pp + "_tps", () -> promptTokensPerSecond(pp)));
        if (tg > 0) steps.add(Map.entry("tg" + tg + "_tps", () -> generateTokensPerSecond(tg)));
        if (tg > 0 && depth > 0) steps.add(Map.entry("tg" + tg + "_d" + depth + "_tps", () -> generateTokensPerSecond(tg, depth)));
        for (int b : batches) steps.add(Map.entry("batched_tps_b" + b, () -> batchedTokensPerSecond(b, 32, 32)));
        if (image && vision != null) steps.add(Map.entry("image_encode_s", this::imageEncodeSeconds));
        Map<String, Double> r = new LinkedHashMap<>();
        for (Map.Entry<String, DoubleSupplier> step : steps) {
            double value = step.getValue().getAsDouble();
            r.put(step.getKey(), value);
            progress.accept(String.format(java.util.Locale.ROOT, "%s %.3f (%d of %d)", step.getKey(), value, r.size(), steps.size()));
        }
        return r;
    }

    private double medianSeconds(DoubleSupplier run) {
        run.getAsDouble(); // warm-up: JIT compilation and page faults of the mapping
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < repetitions; i++) times.add(run.getAsDouble());
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private int[] randomTokens(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rnd.nextInt(decoder.vocabularySize());
        return t;
    }

    private float[] embed(int[] tokens) {
        float[] x = new float[tokens.length * decoder.embeddingLength()];
        decoder.embed(tokens, 0, tokens.length, x, 0);
        return x;
    }

    @Override
    public String toString() {
        return "Bench" + Arrays.asList(decoder, vision);
    }
}
