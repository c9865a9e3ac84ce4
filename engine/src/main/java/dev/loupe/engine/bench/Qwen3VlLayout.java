package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.tensor.GgmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3-VL: a qwen3vl text model (q/k RMSNorm per head, interleaved M-RoPE, DeepStack inputs,
 * tied output) and a qwen3vl_merger tower (fused qkv, two temporal patch kernels, learned position
 * table, DeepStack mergers at some ViT layers), spec §3.
 *
 * @param headDim         text attention head width ({@code key_length} = {@code value_length})
 * @param ropeSections    M-RoPE sections (t, h, w, unused)
 * @param deepstackLayers ViT layers whose output a DeepStack merger feeds to the text model
 * @param spatialMerge    patches merged per side into one image token
 */
record Qwen3VlLayout(TextShape text, VisionShape vision, int headDim, List<Integer> ropeSections,
                     List<Integer> deepstackLayers, int spatialMerge) implements RandomModelLayout {
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
    public void putTextKeys(GgufWriter w) {
        String a = text.arch() + ".";
        w.put(a + "attention.key_length", GgufValue.ofUInt32(headDim))
                .put(a + "attention.value_length", GgufValue.ofUInt32(headDim))
                .put(a + "rope.dimension_sections", GgufValue.ofArray(GgufValueType.INT32, ropeSections.stream().map(Long::valueOf).toList()))
                .put(a + "n_deepstack_layers", GgufValue.ofUInt32(deepstackLayers.size()));
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

    @Override
    public void addTextTensors(RandomTensors t) {
        int e = text.nEmbd(), q = text.nHead() * headDim, kv = text.nHeadKv() * headDim, f = text.nFf();
        // Tied output (Qwen3-VL-4B): no output.weight, llama.cpp reuses token_embd.
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

    @Override
    public void putVisionKeys(GgufWriter w) {
        List<Boolean> deepstack = new ArrayList<>();
        for (int l = 0; l < vision.nLayer(); l++) deepstack.add(deepstackLayers.contains(l));
        w.put("clip.vision.spatial_merge_size", GgufValue.ofUInt32(spatialMerge))
                .put("clip.vision.is_deepstack_layers", GgufValue.ofArray(GgufValueType.BOOL, deepstack));
    }

    @Override
    public void addVisionTensors(RandomTensors t) {
        int e = vision.nEmbd(), p = vision.patchSize(), side = vision.imageSize() / p;
        long merged = (long) e * spatialMerge * spatialMerge;
        // The Conv3d's two temporal slices.
        GgmlType patchType = t.patchKernelType();
        double patchStd = 1.0 / Math.sqrt(3.0 * p * p);
        t.tensor("v.patch_embd.weight", patchType, new long[] {p, p, 3, e}, patchStd, 0);
        t.tensor("v.patch_embd.weight.1", patchType, new long[] {p, p, 3, e}, patchStd, 0);
        t.bias("v.patch_embd.bias", e);
        t.tensor("v.position_embd.weight", GgmlType.F32, new long[] {e, (long) side * side}, 0.3, 0);
        for (int l = 0; l < vision.nLayer(); l++) {
            String b = "v.blk." + l + ".";
            t.layerNorm(b + "ln1", e);
            t.affine(b + "attn_qkv", e, 3L * e);
            t.affine(b + "attn_out", e, e);
            t.vitFeedForward(b, e, vision.nFf());
        }
        t.layerNorm("v.post_ln", e);
        t.affine("mm.0", merged, merged);
        t.affine("mm.2", merged, text.nEmbd());
        for (int k : deepstackLayers) {
            String b = "v.deepstack." + k + ".";
            t.layerNorm(b + "norm", merged);
            t.affine(b + "fc1", merged, merged);
            t.affine(b + "fc2", merged, text.nEmbd());
        }
    }
}
