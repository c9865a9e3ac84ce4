package dev.loupe.job;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufMetadata;
import dev.loupe.engine.llm.Deepseek2Config;
import dev.loupe.engine.llm.LlamaConfig;
import dev.loupe.engine.vision.Qwen3VlPreprocessor;
import dev.loupe.engine.vision.YoutuVlPreprocessor;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.ModelKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * What a model pair costs an executor, from the GGUF headers and the files' sizes (no weights
 * read): for {@code --dry-run}'s memory estimate.
 *
 * <p>The estimate is deliberately simple: the two files (memory-mapped, so outside the heap), and
 * the KV cache of one row at its largest — the most positions an image can take under the
 * resolution cap, a prompt allowance and {@code maxTokens} — times the rows an executor decodes
 * together. Activations, the decoded image and the vision encoder's buffers come on top.
 *
 * @param family               the family's name, from the two files' architectures
 * @param modelBytes           text model file size
 * @param mmprojBytes          projector file size
 * @param kvBytesPerPosition   KV cache per prompt or generated position (F32, every layer); 0 when not known (remote files)
 * @param imagePositions       the most prompt positions one image can take; 0 when not known
 * @param imagePositionsRule   how {@code imagePositions} was worked out, for the printout
 */
record ModelFootprint(String family, long modelBytes, long mmprojBytes, long kvBytesPerPosition, long imagePositions,
                      String imagePositionsRule) {
    /** Text positions besides the image: chat template, instruction, a user prompt of a sentence or two. */
    static final int PROMPT_ALLOWANCE = 64;
    /** Marker tokens around each idefics3 tile (fake image tokens, the tile's row/column tag). */
    private static final int TILE_MARKERS = 3;

    static ModelFootprint of(AnnotatorSpec spec, Configuration hadoop) {
        ModelKey key = spec.key();
        long modelBytes = size(key.model(), hadoop);
        long mmprojBytes = size(key.mmproj(), hadoop);
        if (!isLocal(key.model()) || !isLocal(key.mmproj())) {
            return new ModelFootprint("(remote files: headers checked, sizes only)", modelBytes, mmprojBytes, 0, 0, "not estimated for remote files");
        }
        try (GgufFile text = GgufFile.open(localPath(key.model())); GgufFile vision = GgufFile.open(localPath(key.mmproj()))) {
            String arch = text.metadata().string("general.architecture");
            GgufMetadata v = vision.metadata();
            String projector = v.optString("clip.projector_type").orElse("?");
            long kv = kvBytesPerPosition(arch, text);
            return switch (projector) {
                case "idefics3" -> idefics3(arch, modelBytes, mmprojBytes, kv, v, key.maxLongestEdge());
                case "qwen3vl_merger" -> capped("Qwen3-VL", modelBytes, mmprojBytes, kv, key.maxImageTokens(), Qwen3VlPreprocessor.DEFAULT_MAX_TOKENS);
                case "youtuvl" -> capped("Youtu-VL", modelBytes, mmprojBytes, kv, key.maxImageTokens(), YoutuVlPreprocessor.DEFAULT_MAX_TOKENS);
                default -> new ModelFootprint(arch + " + " + projector, modelBytes, mmprojBytes, kv, 0, "unknown projector");
            };
        }
    }

    /** KV cache per row: every position of the image, the prompt and the answer. */
    long kvBytesPerRow(int maxTokens) {
        return kvBytesPerPosition * (imagePositions + PROMPT_ALLOWANCE + maxTokens);
    }

    /**
     * F32 keys and values of every layer: {@code 2 x layers x KV width} for llama and qwen3vl;
     * deepseek2's latent cache keeps one {@code kv_lora_rank + RoPE dims} row per layer instead.
     */
    private static long kvBytesPerPosition(String arch, GgufFile text) {
        if (Deepseek2Config.ARCHITECTURE.equals(arch)) {
            Deepseek2Config c = Deepseek2Config.from(text);
            return (long) c.nLayer() * (c.kvLoraRank() + c.ropeDims()) * Float.BYTES;
        }
        if (LlamaConfig.ARCHITECTURES.contains(arch)) {
            LlamaConfig c = LlamaConfig.from(text);
            return 2L * c.nLayer() * c.kvDim() * Float.BYTES;
        }
        return 0;
    }

    /** SmolVLM: the longest edge (capped) in tiles, squared, plus the overview; each tile its tokens and markers. */
    private static ModelFootprint idefics3(String arch, long modelBytes, long mmprojBytes, long kv, GgufMetadata v, int maxLongestEdge) {
        long tile = v.integer("clip.vision.image_size", 0);
        long patch = v.integer("clip.vision.patch_size", 0);
        long scale = v.integer("clip.vision.projector.scale_factor", 1);
        long edge = maxLongestEdge > 0 ? maxLongestEdge : v.integer("clip.vision.preproc_image_size", tile);
        if (tile <= 0 || patch <= 0) return new ModelFootprint("SmolVLM", modelBytes, mmprojBytes, kv, 0, "no tile size in the mmproj");
        long perSide = Math.max(1, (edge + tile - 1) / tile);
        long tiles = perSide * perSide + 1;
        long tokensPerTile = (tile / patch) * (tile / patch) / (scale * scale);
        return new ModelFootprint("SmolVLM (" + arch + " + idefics3)", modelBytes, mmprojBytes, kv, tiles * (tokensPerTile + TILE_MARKERS),
                String.format(java.util.Locale.ROOT, "longest edge %d px in %d px tiles: %d x %d + overview = %d tiles x (%d tokens + %d markers)",
                        edge, tile, perSide, perSide, tiles, tokensPerTile, TILE_MARKERS));
    }

    /** Qwen3-VL and Youtu-VL: at most the image-token cap, the job's or the model's. */
    private static ModelFootprint capped(String family, long modelBytes, long mmprojBytes, long kv, int maxImageTokens, int modelCap) {
        int cap = maxImageTokens > 0 ? maxImageTokens : modelCap;
        return new ModelFootprint(family, modelBytes, mmprojBytes, kv, cap,
                maxImageTokens > 0 ? "--max-image-tokens " + cap : "the model's cap " + cap + " (no --max-image-tokens)");
    }

    private static boolean isLocal(String location) {
        return !location.contains("://") || location.startsWith("file:");
    }

    private static java.nio.file.Path localPath(String location) {
        return location.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(location)) : java.nio.file.Path.of(location);
    }

    private static long size(String location, Configuration hadoop) {
        try {
            if (isLocal(location)) return java.nio.file.Files.size(localPath(location));
            Path p = new Path(location);
            return p.getFileSystem(hadoop).getFileStatus(p).getLen();
        } catch (IOException e) {
            throw new UncheckedIOException(location + ": " + e.getMessage(), e);
        }
    }
}
