package dev.loupe.engine.task.grammar;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A vocabulary as constrained decoding sees it: the bytes each token adds to the answer, sorted
 * so that tokens sharing a prefix are walked through an automaton once for the shared part, and
 * the end-of-generation ids. Tokens that add nothing (control tokens, unused ids) are never
 * allowed in a constrained answer: they cannot advance it. Made once per model; immutable.
 */
public final class TokenPieces {
    final byte[][] pieces;
    /** Ids of the tokens that add bytes, in lexicographic (unsigned) order of their bytes. */
    final int[] sorted;
    /** For each position of {@link #sorted}, the bytes its token shares with the one before it. */
    final int[] sharedWithPrevious;
    final int longest;
    final int[] eog;

    /**
     * @param pieces each token's bytes (empty or null: the token adds nothing)
     * @param eog    end-of-generation ids; they are allowed only where the grammar accepts
     */
    public TokenPieces(byte[][] pieces, int[] eog) {
        this.pieces = pieces.clone();
        this.eog = eog.clone();
        Arrays.sort(this.eog);
        boolean[] isEog = new boolean[pieces.length];
        for (int id : eog) isEog[id] = true;
        this.sorted = IntStream.range(0, pieces.length).filter(i -> !isEog[i] && pieces[i] != null && pieces[i].length > 0).boxed()
                .sorted(Comparator.comparing(i -> pieces[i], Arrays::compareUnsigned)).mapToInt(Integer::intValue).toArray();
        this.sharedWithPrevious = new int[sorted.length];
        int max = 0;
        for (int i = 0; i < sorted.length; i++) {
            byte[] p = pieces[sorted[i]];
            max = Math.max(max, p.length);
            if (i == 0) continue;
            byte[] q = pieces[sorted[i - 1]];
            int m = Arrays.mismatch(p, q);
            sharedWithPrevious[i] = m < 0 ? p.length : m;
        }
        this.longest = max;
    }

    public int size() {
        return pieces.length;
    }

    /** The bytes token {@code id} adds (empty for one that adds none). */
    public byte[] piece(int id) {
        return pieces[id] == null ? new byte[0] : pieces[id];
    }

    public boolean isEog(int id) {
        return Arrays.binarySearch(eog, id) >= 0;
    }
}
