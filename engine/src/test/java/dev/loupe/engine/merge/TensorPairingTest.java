package dev.loupe.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.merge.TensorPairing.Action;
import dev.loupe.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TensorPairingTest {

    static GgufTensor tensor(String name, long... ne) {
        return new GgufTensor(name, GgmlType.F32, ne, 0, MemorySegment.NULL);
    }

    static TensorPairing.Pair decide(GgufTensor vision, GgufTensor text) {
        return TensorPairing.decide(vision, text);
    }

    @Test
    void weightMatricesOfTheSameShapeMerge() {
        for (String name : new String[] {"blk.0.attn_q.weight", "blk.0.ffn_down.weight", "blk.7.attn_output.weight"}) {
            var p = decide(tensor(name, 64, 256), tensor(name, 64, 256));
            assertEquals(Action.MERGE, p.action(), name);
        }
        // A stack of matrices (3-D) merges too, slice by slice.
        assertEquals(Action.MERGE, decide(tensor("blk.0.ffn_up_exps.weight", 8, 4, 2), tensor("blk.0.ffn_up_exps.weight", 8, 4, 2)).action());
    }

    @Test
    void embeddingsAndTheOutputHeadStayTheVisionModels() {
        for (String name : new String[] {"token_embd.weight", "output.weight", "model.embed_tokens.weight", "lm_head.weight", "per_layer_token_embd.weight"}) {
            var p = decide(tensor(name, 64, 1000), tensor(name, 64, 1000));
            assertEquals(Action.KEEP, p.action(), name);
            assertEquals("embedding or output tensor", p.reason(), name);
        }
    }

    @Test
    void otherKeepRulesGiveTheirReasons() {
        assertEquals("not in the text model", decide(tensor("blk.0.attn_q.weight", 64, 64), null).reason());
        assertEquals("shapes differ: [64, 64] vs [64, 128] in the text model",
                decide(tensor("blk.0.attn_q.weight", 64, 64), tensor("blk.0.attn_q.weight", 64, 128)).reason());
        var norm = decide(tensor("blk.0.attn_norm.weight", 64), tensor("blk.0.attn_norm.weight", 64));
        assertEquals(Action.KEEP, norm.action());
        assertEquals("vector (norm or bias)", norm.reason());
        assertEquals(Action.KEEP, decide(tensor("output_norm.weight", 64), tensor("output_norm.weight", 64)).action());
    }
}
