package dev.loupe.engine.bench;

import dev.loupe.engine.gguf.GgufValue;
import dev.loupe.engine.gguf.GgufWriter;
import dev.loupe.engine.tensor.GgmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * SmolVLM: a llama text model and an idefics3 SigLIP tower (spec §2). Untied feed-forward and
 * separate q/k/v projections; the projector is one bias-free matrix after the pixel shuffle.
 *
 * @param scaleFactor  pixel-shuffle factor (tokens per tile = (patches per side / s)²)
 * @param longestEdge  the preprocessor's default longest edge
 */
record SmolVlmLayout(TextShape text, VisionShape vision, int scaleFactor, int longestEdge) implements RandomModelLayout {
    /** SmolVLM's chat template (as in the ggml-org GGUFs); Loupe and llama.cpp detect the format from it. */
    static final String TEMPLATE = "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
            + "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
            + "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
            + "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
            + "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    @Override
    public void putTextKeys(GgufWriter w) {
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(text.nEmbd() / text.nHead()));
        // Control tokens, the byte symbols, "\n\n", fillers, then the image tokens and
        // <end_of_utterance> last, as in SmolVLM.
        List<String> image = new ArrayList<>(List.of("<global-img>"));
        for (int r = 1; r <= 6; r++) for (int c = 1; c <= 6; c++) image.add("<row_" + r + "_col_" + c + ">");
        image.addAll(List.of("<fake_token_around_image>", "<image>", "<end_of_utterance>"));
        int size = text.nVocab();
        new SyntheticVocabulary(size)
                .run(0, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), SyntheticVocabulary.CONTROL)
                .bytesAt(3)
                .pairMergeAt(259, '\n')
                .run(size - image.size(), image, SyntheticVocabulary.CONTROL)
                .unknownToken(0)
                .putInto(w, "smollm", 1, size - 1, 2, TEMPLATE);
    }

    @Override
    public void addTextTensors(RandomTensors t) {
        int e = text.nEmbd(), kv = text.nHeadKv() * (e / text.nHead()), f = text.nFf();
        t.tokenEmbedding(e, text.nVocab());
        t.norm("output_norm.weight", e);
        for (int l = 0; l < text.nLayer(); l++) {
            String b = "blk." + l + ".";
            t.norm(b + "attn_norm.weight", e);
            t.linear(b + "attn_q.weight", e, e);
            t.linear(b + "attn_k.weight", e, kv);
            t.linear(b + "attn_v.weight", e, kv);
            t.linear(b + "attn_output.weight", e, e);
            t.swiGluFeedForward(b, e, f);
        }
    }

    @Override
    public void putVisionKeys(GgufWriter w) {
        w.put("clip.vision.projector.scale_factor", GgufValue.ofUInt32(scaleFactor))
                .put("clip.vision.preproc_image_size", GgufValue.ofUInt32(longestEdge));
    }

    @Override
    public void addVisionTensors(RandomTensors t) {
        int e = vision.nEmbd(), p = vision.patchSize(), side = vision.imageSize() / p;
        // Converter rules: the idefics3 patch kernel and the position table stay F32.
        t.tensor("v.patch_embd.weight", GgmlType.F32, new long[] {p, p, 3, e}, 1.0 / Math.sqrt(3.0 * p * p), 0);
        t.bias("v.patch_embd.bias", e);
        t.tensor("v.position_embd.weight", GgmlType.F32, new long[] {e, (long) side * side}, 0.3, 0);
        for (int l = 0; l < vision.nLayer(); l++) {
            String b = "v.blk." + l + ".";
            t.vitAttention(b, e);
            t.vitFeedForward(b, e, vision.nFf());
        }
        t.layerNorm("v.post_ln", e);
        t.linear("mm.model.fc.weight", (long) e * scaleFactor * scaleFactor, text.nEmbd());
    }
}
