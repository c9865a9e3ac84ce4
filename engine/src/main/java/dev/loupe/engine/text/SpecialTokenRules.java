package dev.loupe.engine.text;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * llama.cpp's load-time rules that find special tokens by their text (llama-vocab.cpp: "auto-detect
 * special tokens by text"), because converters do not always write the ids into the GGUF:
 * end-of-turn, end-of-message and fill-in-the-middle tokens, and the end-of-generation (EOG) set.
 * Every token these rules pick is made CONTROL if it was not, exactly like llama.cpp does, which
 * changes how it is tokenized (only with parse_special) and rendered (hidden unless asked).
 *
 * <p>One thing cannot be copied: when several tokens match one kind (say {@code <|im_end|>} and
 * {@code <end_of_utterance>} for EOT), llama.cpp keeps the first one in the iteration order of its
 * hash map. Loupe prefers the EOS token when it is a candidate and otherwise the lowest id. The EOG
 * set is not affected: every candidate of every list is in it anyway.
 */
final class SpecialTokenRules {
    static final int NONE = -1;

    static final List<String> EOT = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
            "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    static final List<String> EOM = List.of("<|eom_id|>");
    static final List<String> FIM_PRE = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>",
            "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    static final List<String> FIM_SUF = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>",
            "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    static final List<String> FIM_MID = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>",
            "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    static final List<String> FIM_PAD = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    static final List<String> FIM_REP = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    static final List<String> FIM_SEP = List.of("<|file_sep|>");
    /** Texts that end generation wherever they occur in a vocabulary (llama-vocab.cpp's EOG list). */
    static final List<String> EOG = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>",
            "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");
    /** gpt-oss's channel markers: llama.cpp always renders them, so it makes them USER_DEFINED. */
    static final List<String> ALWAYS_RENDERED = List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    private SpecialTokenRules() {}

    /** Ids of the special tokens; {@link #NONE} where a vocabulary has none. */
    static final class Ids {
        int bos = NONE, eos = NONE, eot = NONE, eom = NONE, unknown = NONE, separator = NONE, padding = NONE, mask = NONE;
        int fimPre = NONE, fimSuf = NONE, fimMid = NONE, fimPad = NONE, fimRep = NONE, fimSep = NONE;
    }

    /**
     * Fills the ids the GGUF did not give by text, adjusts {@code attrs} and returns the sorted EOG
     * ids. {@code ids} maps token text to id; {@code texts} is the reverse.
     */
    static int[] resolve(Ids ids, String[] texts, Map<String, Integer> byText, int[] attrs) {
        if (ids.eot == NONE) ids.eot = pick(EOT, byText, attrs, ids.eos);
        if (ids.eom == NONE) ids.eom = pick(EOM, byText, attrs, ids.eos);
        if (ids.fimPre == NONE) ids.fimPre = pick(FIM_PRE, byText, attrs, NONE);
        if (ids.fimSuf == NONE) ids.fimSuf = pick(FIM_SUF, byText, attrs, NONE);
        if (ids.fimMid == NONE) ids.fimMid = pick(FIM_MID, byText, attrs, NONE);
        if (ids.fimPad == NONE) ids.fimPad = pick(FIM_PAD, byText, attrs, NONE);
        if (ids.fimRep == NONE) ids.fimRep = pick(FIM_REP, byText, attrs, NONE);
        if (ids.fimSep == NONE) ids.fimSep = pick(FIM_SEP, byText, attrs, NONE);

        TreeSet<Integer> eog = new TreeSet<>();
        // FIM padding/repo/file separators end generation: a code model that emits them is done.
        for (int id : new int[] {ids.fimPad, ids.fimRep, ids.fimSep}) if (id != NONE) eog.add(id);
        for (String text : EOG) {
            Integer id = byText.get(text);
            if (id != null) {
                eog.add(id);
                attrs[id] |= TokenAttr.CONTROL;
            }
        }
        for (String text : ALWAYS_RENDERED) {
            Integer id = byText.get(text);
            if (id != null) attrs[id] = TokenAttr.USER_DEFINED;
        }
        for (int id : new int[] {ids.eos, ids.eot, ids.eom}) if (id != NONE) eog.add(id);

        // Harmony-style vocabularies use <|end|> between messages, not at the end of a turn.
        boolean harmony = (contains(eog, texts, "<|return|>") && contains(eog, texts, "<|call|>", "<|calls|>"))
                || (contains(eog, texts, "<|calls|>", "<|call|>") && contains(eog, texts, "<|flush|>"));
        Integer end = byText.get("<|end|>");
        if (harmony && end != null && eog.remove(end)) attrs[end] = TokenAttr.USER_DEFINED;
        // Gemma 4 uses </s> inside tool responses.
        Integer closeS = byText.get("</s>");
        if (contains(eog, texts, "<|tool_response>") && closeS != null && eog.remove(closeS)) attrs[closeS] = TokenAttr.NORMAL;

        return eog.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int pick(List<String> candidates, Map<String, Integer> byText, int[] attrs, int preferred) {
        int chosen = NONE;
        for (String text : candidates) {
            Integer id = byText.get(text);
            if (id == null) continue;
            if (id == preferred) {
                chosen = id;
                break;
            }
            if (chosen == NONE || id < chosen) chosen = id;
        }
        if (chosen != NONE) attrs[chosen] |= TokenAttr.CONTROL;
        return chosen;
    }

    private static boolean contains(TreeSet<Integer> eog, String[] texts, String... anyOf) {
        for (int id : eog) for (String t : anyOf) if (texts[id].equals(t)) return true;
        return false;
    }
}
