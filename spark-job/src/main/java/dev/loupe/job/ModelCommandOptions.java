package dev.loupe.job;

import picocli.CommandLine.Option;

/** The model options of Loupe's job commands (a picocli mixin), one declaration for the annotate and eval jobs. */
public final class ModelCommandOptions {
    @Option(names = "--model", paramLabel = "GGUF", description = "Text model GGUF, e.g. SmolVLM-256M-Instruct-Q8_0.gguf.")
    String model;

    @Option(names = "--mmproj", paramLabel = "GGUF", description = "Vision projector GGUF, e.g. mmproj-SmolVLM-256M-Instruct-Q8_0.gguf.")
    String mmproj;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate per image. Default: spark.loupe.maxTokens, else the engine's.")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Sampling temperature; 0 is greedy (argmax). Default: spark.loupe.temperature, else 0. "
                    + "With a temperature above 0, --top-k, --top-p, --min-p and --repeat-penalty shape the sampling.")
    Float temperature;

    @Option(names = "--seed", paramLabel = "N",
            description = "Sampling seed of the job; each row samples with a seed made of it and the row's image id, "
                    + "so a rerun or a retried task writes the same text. Default: spark.loupe.seed, else 0.")
    Long seed;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample from the K most probable tokens; 0 keeps all. Default: spark.loupe.topK, else 0.")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P",
            description = "Sample from the most probable tokens whose probabilities add up to P; 1 keeps all. Default: spark.loupe.topP, else 1.")
    Float topP;

    @Option(names = "--min-p", paramLabel = "P",
            description = "Drop tokens less probable than P times the most probable one; 0 keeps all. Default: spark.loupe.minP, else 0.")
    Float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R",
            description = "Penalise the last --repeat-last-n tokens by R (llama.cpp's repeat penalty); 1 is off. Default: spark.loupe.repeatPenalty, else 1.")
    Float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", description = "How many recent tokens --repeat-penalty looks at. Default: spark.loupe.repeatLastN, else 64.")
    Integer repeatLastN;

    @Option(names = "--max-longest-edge", paramLabel = "PIXELS",
            description = "SmolVLM (idefics3): scale images so their longest edge is at most PIXELS before tiling, a multiple of "
                    + "the model's tile size (512 for SmolVLM). Fewer tiles: faster, less detail. Default: the model's own (2048 for SmolVLM).")
    Integer maxLongestEdge;

    @Option(names = "--max-image-tokens", paramLabel = "TOKENS",
            description = "Qwen3-VL, Youtu-VL (dynamic resolution): scale images down so they become at most TOKENS image tokens "
                    + "(one per 32x32 pixels; llama.cpp's --image-max-tokens). Fewer: faster encoding and prefill, less detail. "
                    + "Default: the model's own (Qwen3-VL 4096, Youtu-VL 62500 as llama.cpp: cap it for large photos, whose full-attention layers cost the square of the patch count).")
    Integer maxImageTokens;

    @Option(names = "--numerics", paramLabel = "exact|fast",
            description = "Arithmetic of the vision encoder, prefill and batched decode: fast (f32 products, within the oracle's "
                    + "tolerance of llama.cpp) or exact (llama.cpp's own, bit for bit; slower). "
                    + "Default: spark.loupe.numerics, else fast.")
    String numerics;

    @Option(names = "--max-batch", paramLabel = "auto|N",
            description = "Rows of an executor decoded together by its batch scheduler: auto (8 where batched rows come out the same "
                    + "as rows decoded alone: every model with fast numerics), or 1..64 (1: one row at a time). "
                    + "Default: spark.loupe.maxBatch, else auto.")
    String maxBatch;

    @Option(names = "--dense-readout", paramLabel = "SPEC",
            description = "Youtu-VL's semantic and core-target masks: from the answer's <mask> runs (text), the hidden states at the "
                    + "image's positions (hidden), or the runs when they cover the image, else the hidden states (auto); then the "
                    + "hidden-state readout's choices: shifted|unshifted, softmax|sigmoid[:T], bilinear|nearest, as-written|leading-space. "
                    + "Default: spark.loupe.denseReadout, else auto,shifted,softmax,bilinear,as-written.")
    String denseReadout;

    @Option(names = "--prompt-book", paramLabel = "FILE",
            description = "Prompts per family and task whose lines replace the built-in book's (conf/prompt-book.properties).")
    java.nio.file.Path promptBook;

    @Option(names = "--label-scoring", paramLabel = "sum|mean",
            description = "classify: a candidate label's score is the sum of its tokens' log-probabilities (the answer's likelihood, "
                    + "the default) or their mean (length-normalised); the labels' probabilities are the softmax of the scores. "
                    + "Default: spark.loupe.labelScoring, else sum.")
    String labelScoring;

    @Option(names = "--constrain", paramLabel = "on|off|auto",
            description = "Keep the answers of ground, detect, point and count in their family's format (only tokens that keep "
                    + "the answer in its grammar are allowed), so that they always parse: on, off, or auto (constrained where that "
                    + "cannot change a well-formed answer: greedy decoding of the JSON and coordinate-token formats). "
                    + "Default: spark.loupe.constrain, else auto.")
    String constrain;

    @Option(names = "--no-repack",
            description = "Keep the weights as mapped instead of repacking them at load into the layout fast prefill, decode "
                    + "and the vision encoder read (the text model's quantized types, ~1.4x a Q4_K_M file's bytes, 1.06x Q8_0's on AVX2; "
                    + "the mmproj's matrices at about their size; in place of the mapped pages). Default: spark.loupe.repackWeights, else repack.")
    boolean noRepack;

    /** Whether a model was named at all (the eval job needs none to score existing predictions). */
    public boolean given() {
        return model != null || mmproj != null;
    }

    public ModelSettings settings() {
        return new ModelSettings(model, mmproj, maxTokens, temperature, seed, maxLongestEdge, maxImageTokens, numerics, maxBatch,
                denseReadout, promptBook, labelScoring, noRepack ? Boolean.FALSE : null, constrain,
                new Sampling(topK, topP, minP, repeatPenalty, repeatLastN));
    }
}
