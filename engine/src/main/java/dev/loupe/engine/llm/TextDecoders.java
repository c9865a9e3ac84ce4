package dev.loupe.engine.llm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;

/** Chooses the decoder implementation from {@code general.architecture}. */
public final class TextDecoders {
    private TextDecoders() {}

    public static TextDecoder open(GgufFile file, ComputePool pool, Numerics numerics) {
        return open(file, pool, numerics, true);
    }

    /** With {@code repack}, quantized weights are repacked at load for fast prefill ({@link TextDecoder#repacked()}). */
    public static TextDecoder open(GgufFile file, ComputePool pool, Numerics numerics, boolean repack) {
        String arch = file.metadata().string("general.architecture");
        return switch (arch) {
            case "llama", "qwen3vl" -> new LlamaDecoder(file, pool, numerics, repack);
            case Deepseek2Config.ARCHITECTURE -> new Deepseek2Decoder(file, pool, numerics, repack);
            default -> throw new UnsupportedOperationException(file.path() + ": text architecture '" + arch
                    + "' is not supported yet (supported: " + String.join(", ", LlamaConfig.ARCHITECTURES) + ", "
                    + Deepseek2Config.ARCHITECTURE + ")");
        };
    }
}
