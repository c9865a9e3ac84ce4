package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.tensor.GgmlType;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a random-weight model at a real model's shapes — text GGUF and mmproj GGUF — so that
 * benchmarks need no downloads. The files follow llama.cpp's converters (names, types, keys),
 * so llama.cpp loads them too. Weights: linear N(0, 1/fan_in), norms 1 + N(0, 0.1²), biases
 * N(0, 0.02²), token embeddings N(0, (0.8/√n_embd)²), seeded per tensor name: the same command
 * writes the same bytes. The text is gibberish; speed is what they are for.
 */
public final class RandomModelMaker {
    /** SmolVLM's chat template (as in the ggml-org GGUFs); Loupe and llama.cpp detect the format from it. */
    static final String SMOLVLM_TEMPLATE = "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
            + "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
            + "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
            + "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
            + "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    private final ModelShape shape;
    private final GgmlType textType;
    private final GgmlType visionType;
    private final long seed;

    public RandomModelMaker(ModelShape shape, GgmlType textType, GgmlType visionType, long seed) {
        for (GgmlType t : List.of(textType, visionType)) {
            if (!WeightEncoder.supports(t)) throw new IllegalArgumentException("make-model cannot write " + t + " weights yet (F32, F16, BF16, Q8_0)");
        }
        this.shape = shape;
        this.textType = textType;
        this.visionType = visionType;
        this.seed = seed;
    }

    /** Where the mmproj goes for a text model path: {@code X.gguf} becomes {@code X-mmproj.gguf}. */
    public static Path mmprojPathFor(Path text) {
        String name = text.getFileName().toString();
        String base = name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
        return text.resolveSibling(base + "-mmproj.gguf");
    }

    public void write(Path text, Path mmproj) {
        textModel().write(text);
        visionModel().write(mmproj);
    }

    GgufWriter textModel() {
        ModelShape.Text t = shape.text;
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.ofString(t.arch()))
                .put("general.type", GgufValue.ofString("model"))
                .put("general.name", GgufValue.ofString("loupe-random-" + shape.id))
                .put("general.description", GgufValue.ofString("Random weights at the shapes of " + shape.id + " (loupe make-model): not a trained model"))
                .put("general.file_type", GgufValue.ofUInt32(fileType(textType)))
                .put("llama.context_length", GgufValue.ofUInt32(t.contextLength()))
                .put("llama.embedding_length", GgufValue.ofUInt32(t.nEmbd()))
                .put("llama.block_count", GgufValue.ofUInt32(t.nLayer()))
                .put("llama.feed_forward_length", GgufValue.ofUInt32(t.nFf()))
                .put("llama.attention.head_count", GgufValue.ofUInt32(t.nHead()))
                .put("llama.attention.head_count_kv", GgufValue.ofUInt32(t.nHeadKv()))
                .put("llama.rope.freq_base", GgufValue.ofFloat32(t.ropeBase()))
                .put("llama.rope.dimension_count", GgufValue.ofUInt32(t.headDim()))
                .put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(t.rmsEps()))
                .put("llama.vocab_size", GgufValue.ofUInt32(t.nVocab()));
        putSmolVlmVocabulary(w, t.nVocab());
        w.put("general.quantization_version", GgufValue.ofUInt32(2));

        int e = t.nEmbd(), kv = t.nHeadKv() * t.headDim();
        matrix(w, "token_embd.weight", textType, e, t.nVocab(), 0.8 / Math.sqrt(e));
        norm(w, "output_norm.weight", e);
        for (int l = 0; l < t.nLayer(); l++) {
            String b = "blk." + l + ".";
            norm(w, b + "attn_norm.weight", e);
            linear(w, b + "attn_q.weight", textType, e, e);
            linear(w, b + "attn_k.weight", textType, e, kv);
            linear(w, b + "attn_v.weight", textType, e, kv);
            linear(w, b + "attn_output.weight", textType, e, e);
            norm(w, b + "ffn_norm.weight", e);
            linear(w, b + "ffn_gate.weight", textType, e, t.nFf());
            linear(w, b + "ffn_up.weight", textType, e, t.nFf());
            linear(w, b + "ffn_down.weight", textType, t.nFf(), e);
        }
        return w;
    }

    GgufWriter visionModel() {
        ModelShape.Vision v = shape.vision;
        int e = v.nEmbd(), p = v.patchSize(), patches = (v.imageSize() / p) * (v.imageSize() / p);
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.ofString("clip"))
                .put("general.type", GgufValue.ofString("mmproj"))
                .put("general.name", GgufValue.ofString("loupe-random-" + shape.id + "-mmproj"))
                .put("general.description", GgufValue.ofString("Random weights at the shapes of " + shape.id + " (loupe make-model): not a trained model"))
                .put("general.file_type", GgufValue.ofUInt32(fileType(visionType)))
                .put("clip.has_vision_encoder", GgufValue.ofBool(true))
                .put("clip.projector_type", GgufValue.ofString(v.projector()))
                .put("clip.use_gelu", GgufValue.ofBool(true))
                .put("clip.vision.projection_dim", GgufValue.ofUInt32(shape.text.nEmbd()))
                .put("clip.vision.image_size", GgufValue.ofUInt32(v.imageSize()))
                .put("clip.vision.patch_size", GgufValue.ofUInt32(p))
                .put("clip.vision.embedding_length", GgufValue.ofUInt32(e))
                .put("clip.vision.feed_forward_length", GgufValue.ofUInt32(v.nFf()))
                .put("clip.vision.block_count", GgufValue.ofUInt32(v.nLayer()))
                .put("clip.vision.attention.head_count", GgufValue.ofUInt32(v.nHead()))
                .put("clip.vision.attention.layer_norm_epsilon", GgufValue.ofFloat32(v.eps()))
                .put("clip.vision.image_mean", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)))
                .put("clip.vision.image_std", GgufValue.ofArray(GgufValueType.FLOAT32, List.of(0.5f, 0.5f, 0.5f)))
                .put("clip.vision.projector.scale_factor", GgufValue.ofUInt32(v.scaleFactor()))
                .put("clip.vision.preproc_image_size", GgufValue.ofUInt32(v.longestEdge()));
        // Converter rules: the patch kernel, position table, norms and biases stay F32.
        tensor(w, "v.patch_embd.weight", GgmlType.F32, new long[] {p, p, 3, e}, 1.0 / Math.sqrt(3.0 * p * p), 0);
        bias(w, "v.patch_embd.bias", e);
        tensor(w, "v.position_embd.weight", GgmlType.F32, new long[] {e, patches}, 0.3, 0);
        for (int l = 0; l < v.nLayer(); l++) {
            String b = "v.blk." + l + ".";
            norm(w, b + "ln1.weight", e);
            bias(w, b + "ln1.bias", e);
            for (String name : List.of("attn_q", "attn_k", "attn_v", "attn_out")) {
                linear(w, b + name + ".weight", visionType, e, e);
                bias(w, b + name + ".bias", e);
            }
            norm(w, b + "ln2.weight", e);
            bias(w, b + "ln2.bias", e);
            linear(w, b + "ffn_up.weight", visionType, e, v.nFf());
            bias(w, b + "ffn_up.bias", v.nFf());
            linear(w, b + "ffn_down.weight", visionType, v.nFf(), e);
            bias(w, b + "ffn_down.bias", e);
        }
        norm(w, "v.post_ln.weight", e);
        bias(w, "v.post_ln.bias", e);
        int s = v.scaleFactor();
        linear(w, "mm.model.fc.weight", visionType, e * s * s, shape.text.nEmbd());
        return w;
    }

    /**
     * A byte-level BPE vocabulary with SmolVLM's special tokens at the size of the real one:
     * control tokens, the 256 byte symbols, "\n\n" as one merge, fillers, the image tokens and
     * {@code <end_of_utterance>} last, as in SmolVLM.
     */
    private static void putSmolVlmVocabulary(GgufWriter w, int size) {
        List<String> tokens = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        for (String s : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")) {
            tokens.add(s);
            types.add(3L);
        }
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(byteSymbol(b)));
            types.add(1L);
        }
        String newline = String.valueOf(byteSymbol('\n'));
        tokens.add(newline + newline);
        types.add(1L);
        List<String> image = new ArrayList<>(List.of("<global-img>"));
        for (int r = 1; r <= 6; r++) for (int c = 1; c <= 6; c++) image.add("<row_" + r + "_col_" + c + ">");
        image.addAll(List.of("<fake_token_around_image>", "<image>", "<end_of_utterance>"));
        int fillers = size - tokens.size() - image.size();
        for (int i = 0; i < fillers; i++) {
            tokens.add("[loupe_filler_" + i + "]");
            types.add(1L);
        }
        for (String s : image) {
            tokens.add(s);
            types.add(3L);
        }
        w.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"))
                .put("tokenizer.ggml.pre", GgufValue.ofString("smollm"))
                .put("tokenizer.ggml.tokens", GgufValue.ofArray(GgufValueType.STRING, tokens))
                .put("tokenizer.ggml.token_type", GgufValue.ofArray(GgufValueType.INT32, types))
                .put("tokenizer.ggml.merges", GgufValue.ofArray(GgufValueType.STRING, List.of(newline + " " + newline)))
                .put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(1))
                .put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(size - 1))
                .put("tokenizer.ggml.padding_token_id", GgufValue.ofUInt32(2))
                .put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(0))
                .put("tokenizer.chat_template", GgufValue.ofString(SMOLVLM_TEMPLATE));
    }

    /** GPT-2's byte-to-unicode map: printable bytes stand for themselves, others map above U+0100. */
    static char byteSymbol(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) return (char) b;
        int n = 0;
        for (int i = 0; i < b; i++) {
            if (!((i >= '!' && i <= '~') || (i >= 0xa1 && i <= 0xac) || (i >= 0xae && i <= 0xff))) n++;
        }
        return (char) (256 + n);
    }

    private void linear(GgufWriter w, String name, GgmlType type, int inputs, int outputs) {
        matrix(w, name, type, inputs, outputs, 1.0 / Math.sqrt(inputs));
    }

    private void matrix(GgufWriter w, String name, GgmlType type, int cols, int rows, double std) {
        tensor(w, name, type, new long[] {cols, rows}, std, 0);
    }

    private void norm(GgufWriter w, String name, int n) {
        tensor(w, name, GgmlType.F32, new long[] {n}, 0.1, 1);
    }

    private void bias(GgufWriter w, String name, int n) {
        tensor(w, name, GgmlType.F32, new long[] {n}, 0.02, 0);
    }

    /** Streams a tensor row by row: multi-gigabyte models never sit in memory. */
    private void tensor(GgufWriter w, String name, GgmlType type, long[] ne, double std, double mean) {
        int cols = Math.toIntExact(ne[0]);
        long rows = 1;
        for (int i = 1; i < ne.length; i++) rows *= ne[i];
        long tensorSeed = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        long rowCount = rows;
        w.addTensor(name, type, ne, (OutputStream out) -> {
            SplittableRandom rnd = new SplittableRandom(tensorSeed);
            float[] row = new float[cols];
            byte[] bytes = new byte[Math.toIntExact(type.bytesFor(cols))];
            for (long r = 0; r < rowCount; r++) {
                for (int i = 0; i < cols; i++) row[i] = (float) (mean + std * rnd.nextGaussian());
                WeightEncoder.encode(type, row, cols, bytes);
                out.write(bytes);
            }
        });
    }

    /** llama_ftype of a file whose weights are all {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
