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
    @Override
    public void putTextKeys(GgufWriter w) {
        String a = text.arch() + ".";
        Qwen3Layout.putHeadKeys(w, text, headDim);
        w.put(a + "rope.dimension_sections", GgufValue.ofArray(GgufValueType.INT32, ropeSections.stream().map(Long::valueOf).toList()))
                .put(a + "n_deepstack_layers", GgufValue.ofUInt32(deepstackLayers.size()));
        Qwen3Layout.putVocabulary(w, text);
    }

    @Override
    public void addTextTensors(RandomTensors t) {
        Qwen3Layout.addTensors(t, text, headDim); // the text model is Qwen3's, tensor for tensor
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
