package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import java.util.List;

/**
 * Qwen3: the text-only model (arch {@code qwen3}: q/k RMSNorm per head, tied output) as
 * llama.cpp's converter writes it, and no mmproj. Qwen3-VL's text model has the same tensors
 * and tokenizer ({@link Qwen3VlLayout} writes them through this class) plus M-RoPE and DeepStack
 * keys: a random Qwen3 and a random Qwen3-VL of the same widths are the pair {@code loupe merge}
 * takes.
 *
 * @param headDim attention head width ({@code key_length} = {@code value_length})
 */
record Qwen3Layout(TextShape text, int headDim) implements RandomModelLayout {
    /** A ChatML template in Qwen3-VL-Instruct's style: images as vision_start, image_pad, vision_end. */
    static final String TEMPLATE = "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' }}"
            + "{%- if message.content is string %}{{- message.content }}{%- else %}{%- for content in message.content %}"
            + "{%- if content.type == 'image' or 'image' in content %}{{- '<|vision_start|><|image_pad|><|vision_end|>' }}"
            + "{%- elif 'text' in content %}{{- content.text }}{%- endif %}{%- endfor %}{%- endif %}{{- '<|im_end|>\\n' }}"
            + "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    /** Qwen3's added tokens from 151643 on, in order, with their GGUF token types. */
    private static final List<String> CONTROL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>",
            "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
            "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>");
    private static final List<String> TOOL_TOKENS = List.of("<tool_call>", "</tool_call>");
    private static final List<String> FIM_TOKENS = List.of("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
            "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>");
    private static final List<String> LATE_TOKENS = List.of("<tool_response>", "</tool_response>", "<think>", "</think>");
    static final int FIRST_ADDED_TOKEN = 151643;

    @Override
    public VisionShape vision() {
        throw new UnsupportedOperationException("qwen3 is a text model: it has no vision tower");
    }

    @Override
    public boolean hasMmproj() {
        return false;
    }

    @Override
    public void putTextKeys(GgufWriter w) {
        putHeadKeys(w, text, headDim);
        putVocabulary(w, text);
    }

    @Override
    public void addTextTensors(RandomTensors t) {
        addTensors(t, text, headDim);
    }

    @Override
    public void putVisionKeys(GgufWriter w) {
        throw new UnsupportedOperationException("qwen3 is a text model: it has no mmproj");
    }

    @Override
    public void addVisionTensors(RandomTensors t) {
        throw new UnsupportedOperationException("qwen3 is a text model: it has no mmproj");
    }

    static void putHeadKeys(GgufWriter w, TextShape text, int headDim) {
        String a = text.arch() + ".";
        w.put(a + "attention.key_length", GgufValue.ofUInt32(headDim))
                .put(a + "attention.value_length", GgufValue.ofUInt32(headDim));
    }

    /** The tokenizer: Qwen3's vocabulary, the same in Qwen3-VL (the template too, images and all). */
    static void putVocabulary(GgufWriter w, TextShape text) {
        int id = FIRST_ADDED_TOKEN;
        SyntheticVocabulary v = new SyntheticVocabulary(text.nVocab()).bytesAt(0).pairMergeAt(256, ' ');
        v.run(id, CONTROL_TOKENS, SyntheticVocabulary.CONTROL);
        v.run(id += CONTROL_TOKENS.size(), TOOL_TOKENS, SyntheticVocabulary.USER_DEFINED);
        v.run(id += TOOL_TOKENS.size(), FIM_TOKENS, SyntheticVocabulary.CONTROL);
        v.run(id += FIM_TOKENS.size(), LATE_TOKENS, SyntheticVocabulary.USER_DEFINED);
        // The checkpoint pads its embedding table past the tokenizer; the converter names them [PADn].
        for (id += LATE_TOKENS.size(); id < v.size(); id++) v.set(id, "[PAD" + id + "]", SyntheticVocabulary.UNUSED);
        v.putInto(w, "qwen2", FIRST_ADDED_TOKEN, FIRST_ADDED_TOKEN + 2, FIRST_ADDED_TOKEN, TEMPLATE);
    }

    static void addTensors(RandomTensors t, TextShape text, int headDim) {
        int e = text.nEmbd(), q = text.nHead() * headDim, kv = text.nHeadKv() * headDim, f = text.nFf();
        // Tied output (Qwen3-4B, Qwen3-VL-4B): no output.weight, llama.cpp reuses token_embd.
        t.tokenEmbedding(e, text.nVocab());
        t.norm("output_norm.weight", e);
        for (int l = 0; l < text.nLayer(); l++) {
            String b = "blk." + l + ".";
            t.norm(b + "attn_norm.weight", e);
            t.linear(b + "attn_q.weight", e, q);
            t.norm(b + "attn_q_norm.weight", headDim);
            t.linear(b + "attn_k.weight", e, kv);
            t.norm(b + "attn_k_norm.weight", headDim);
            t.linear(b + "attn_v.weight", e, kv);
            t.linear(b + "attn_output.weight", q, e);
            t.swiGluFeedForward(b, e, f);
        }
    }
}
