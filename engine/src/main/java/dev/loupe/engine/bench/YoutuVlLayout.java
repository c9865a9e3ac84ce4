package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufValueType;
import dev.loupe.engine.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Youtu-VL: a deepseek2 text model with multi-head latent attention stored the way llama.cpp's
 * converter splits it (k_b / v_b per head, one "kv head"), all layers dense, tied output; and a
 * youtuvl SigLIP2 tower (2D RoPE, window attention except at the full-attention layers, RMSNorm
 * before the merger). Youtu-VL spec §2-§3.
 *
 * @param fullAttentionLayers ViT layers attending over the whole image ({@code wa_layer_indexes})
 * @param windowSize          attention window side in pixels on the other layers
 */
record YoutuVlLayout(TextShape text, VisionShape vision, int qLoraRank, int kvLoraRank, int qkNopeDim, int qkRopeDim,
                     int vHeadDim, int spatialMerge, int windowSize, List<Integer> fullAttentionLayers) implements RandomModelLayout {
    /** Youtu-VL's chat format: turns open with begin_of_text and the role, close with end_of_text. */
    static final String TEMPLATE = "{{- '<|begin_of_text|>system\\nYou are a helpful assistant.<|end_of_text|>\\n' }}"
            + "{%- for message in messages %}{{- '<|begin_of_text|>' + message.role + '\\n' }}"
            + "{%- if message.content is string %}{{- message.content }}{%- else %}{%- for content in message.content %}"
            + "{%- if content.type == 'image' or 'image' in content %}{{- '<|vision_start|><|image_pad|><|vision_end|>' }}"
            + "{%- elif 'text' in content %}{{- content.text }}{%- endif %}{%- endfor %}{%- endif %}{{- '<|end_of_text|>\\n' }}"
            + "{%- endfor %}{%- if add_generation_prompt %}{{- '<|begin_of_text|>assistant\\n' }}{%- endif %}";

    static final int BOS = 128000;
    static final int FIRST_VISION_TOKEN = 128262;
    static final int FIRST_COORDINATE_TOKEN = 278267;
    /** 2048 bins per axis, {@code <x_N>} and {@code <y_N>} interleaved. */
    static final int COORDINATE_BINS = 2048;
    private static final List<String> TASK_TAGS = List.of("<ref>", "</ref>", "<box>", "</box>", "<mask>", "</mask>",
            "<FG>", "<BG>", "<OTHERS>", "<depth>", "</depth>", "<ins>", "</ins>", "<poly>", "</poly>", "<person>",
            "</person>", "<kpt>", "</kpt>");

    @Override
    public void putTextKeys(GgufWriter w) {
        String a = text.arch() + ".";
        w.put(a + "leading_dense_block_count", GgufValue.ofUInt32(text.nLayer()))
                .put(a + "attention.q_lora_rank", GgufValue.ofUInt32(qLoraRank))
                .put(a + "attention.kv_lora_rank", GgufValue.ofUInt32(kvLoraRank))
                // Absorbed MLA: one shared "head" of the latent plus the rope part; values are the latent.
                .put(a + "attention.key_length", GgufValue.ofUInt32(kvLoraRank + qkRopeDim))
                .put(a + "attention.value_length", GgufValue.ofUInt32(kvLoraRank))
                .put(a + "attention.key_length_mla", GgufValue.ofUInt32(qkNopeDim + qkRopeDim))
                .put(a + "attention.value_length_mla", GgufValue.ofUInt32(vHeadDim))
                // Placeholders the deepseek2 loader requires even without experts.
                .put(a + "expert_feed_forward_length", GgufValue.ofUInt32(text.nFf()))
                .put(a + "expert_shared_count", GgufValue.ofUInt32(0))
                .put(a + "rope.dimension_count", GgufValue.ofUInt32(qkRopeDim));
        List<String> coordinates = new ArrayList<>();
        for (int n = 0; n < COORDINATE_BINS; n++) {
            coordinates.add("<x_" + n + ">");
            coordinates.add("<y_" + n + ">");
        }
        // Real ids where the spec knows them; the task tags' ids are not published, so they follow the coordinates.
        new SyntheticVocabulary(text.nVocab()).bytesAt(0).pairMergeAt(256, ' ')
                .run(BOS, List.of("<|begin_of_text|>", "<|end_of_text|>"), SyntheticVocabulary.CONTROL)
                .run(FIRST_VISION_TOKEN, List.of("<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"),
                        SyntheticVocabulary.CONTROL)
                .run(FIRST_COORDINATE_TOKEN, coordinates, SyntheticVocabulary.USER_DEFINED)
                .run(FIRST_COORDINATE_TOKEN + coordinates.size(), TASK_TAGS, SyntheticVocabulary.USER_DEFINED)
                .putInto(w, "youtu", BOS, BOS + 1, BOS + 1, TEMPLATE);
    }

    @Override
    public void addTextTensors(RandomTensors t) {
        int e = text.nEmbd(), h = text.nHead(), f = text.nFf();
        t.tokenEmbedding(e, text.nVocab());
        t.norm("output_norm.weight", e);
        for (int l = 0; l < text.nLayer(); l++) {
            String b = "blk." + l + ".";
            t.norm(b + "attn_norm.weight", e);
            t.linear(b + "attn_q_a.weight", e, qLoraRank);
            t.norm(b + "attn_q_a_norm.weight", qLoraRank);
            t.linear(b + "attn_q_b.weight", qLoraRank, (long) h * (qkNopeDim + qkRopeDim));
            t.linear(b + "attn_kv_a_mqa.weight", e, kvLoraRank + qkRopeDim);
            t.norm(b + "attn_kv_a_norm.weight", kvLoraRank);
            // kv_b split per head: k_b is applied transposed to q_nope, v_b up-projects the latent.
            t.linear(b + "attn_k_b.weight", qkNopeDim, kvLoraRank, h);
            t.linear(b + "attn_v_b.weight", kvLoraRank, vHeadDim, h);
            t.linear(b + "attn_output.weight", (long) h * vHeadDim, e);
            t.swiGluFeedForward(b, e, f);
        }
    }

    @Override
    public void putVisionKeys(GgufWriter w) {
        w.put("clip.vision.spatial_merge_size", GgufValue.ofUInt32(spatialMerge))
                .put("clip.vision.window_size", GgufValue.ofUInt32(windowSize))
                .put("clip.vision.wa_layer_indexes", GgufValue.ofArray(GgufValueType.INT32,
                        fullAttentionLayers.stream().map(Long::valueOf).toList()));
    }

    @Override
    public void addVisionTensors(RandomTensors t) {
        int e = vision.nEmbd(), p = vision.patchSize();
        long merged = (long) e * spatialMerge * spatialMerge;
        // SigLIP2's patch embedding is a linear over flattened (py, px, c) patches.
        t.tensor("v.patch_embd.weight", t.patchKernelType(), new long[] {3L * p * p, e}, 1.0 / Math.sqrt(3.0 * p * p), 0);
        t.bias("v.patch_embd.bias", e);
        for (int l = 0; l < vision.nLayer(); l++) {
            String b = "v.blk." + l + ".";
            t.vitAttention(b, e);
            t.vitFeedForward(b, e, vision.nFf());
        }
        t.layerNorm("v.post_ln", e);
        t.norm("mm.input_norm.weight", e);
        t.affine("mm.0", merged, merged);
        t.affine("mm.2", merged, text.nEmbd());
    }
}
