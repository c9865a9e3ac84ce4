package dev.loupe.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Cuts special tokens out of the text before pre-tokenization, with llama.cpp's semantics
 * ({@code tokenizer_st_partition}): special tokens are tried longest first; each one splits every
 * remaining text fragment at all its non-overlapping occurrences, left to right. Control and
 * unknown tokens take part only with parse_special; user-defined tokens always do. (llama.cpp's
 * lstrip/rstrip attributes are only set for Phi-3, Jina and ModernBERT vocabularies, not here.)
 *
 * <p>Trying thousands of special tokens (Youtu-VL has over 4000 coordinate tokens) against every
 * prompt would be slow, so a trie first finds which special tokens occur at all; only those run
 * through the partition, in llama.cpp's order, which gives the same result.
 */
final class SpecialTokenSplitter {
    /** A piece of the text: raw text [start, end), or one token when {@code token >= 0}. */
    record Fragment(int start, int end, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;
    private final int[] order;
    private final LongIntMap children = new LongIntMap(256);
    private int[] tokenAtNode = new int[64];
    private int nodes = 1;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        this.order = vocab.specialTokensLongestFirst();
        Arrays.fill(tokenAtNode, -1);
        for (int rank = 0; rank < order.length; rank++) insert(vocab.text(order[rank]), rank);
    }

    private void insert(String text, int rank) {
        int node = 0;
        for (int i = 0; i < text.length(); i++) {
            long key = edge(node, text.charAt(i));
            int child = children.get(key);
            if (child == LongIntMap.ABSENT) {
                child = nodes++;
                if (child == tokenAtNode.length) {
                    tokenAtNode = Arrays.copyOf(tokenAtNode, child * 2);
                    Arrays.fill(tokenAtNode, child, tokenAtNode.length, -1);
                }
                children.put(key, child);
            }
            node = child;
        }
        tokenAtNode[node] = rank;
    }

    private static long edge(int node, char c) {
        return ((long) node << 16) | c;
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) return fragments;
        fragments.add(new Fragment(0, text.length(), -1));
        BitSet present = occurring(text, parseSpecial);
        for (int rank = present.nextSetBit(0); rank >= 0; rank = present.nextSetBit(rank + 1)) {
            fragments = splitAt(text, vocab.text(order[rank]), order[rank], fragments);
        }
        return fragments;
    }

    /** Ranks of the special tokens that occur somewhere in the text and may be matched. */
    private BitSet occurring(String text, boolean parseSpecial) {
        BitSet present = new BitSet();
        for (int start = 0; start < text.length(); start++) {
            int node = 0;
            for (int i = start; i < text.length(); i++) {
                int child = children.get(edge(node, text.charAt(i)));
                if (child == LongIntMap.ABSENT) break;
                node = child;
                int rank = tokenAtNode[node];
                if (rank >= 0 && (parseSpecial || (vocab.attributes(order[rank]) & TokenAttr.HIDDEN) == 0)) present.set(rank);
            }
        }
        return present;
    }

    private static List<Fragment> splitAt(String text, String tokenText, int token, List<Fragment> fragments) {
        List<Fragment> out = new ArrayList<>(fragments.size() + 2);
        for (Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f);
                continue;
            }
            int from = f.start();
            while (true) {
                int at = text.indexOf(tokenText, from);
                if (at < 0 || at + tokenText.length() > f.end()) {
                    if (from < f.end()) out.add(new Fragment(from, f.end(), -1));
                    break;
                }
                if (at > from) out.add(new Fragment(from, at, -1));
                out.add(new Fragment(at, at + tokenText.length(), token));
                from = at + tokenText.length();
            }
        }
        return out;
    }
}
