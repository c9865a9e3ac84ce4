package dev.loupe.engine.task.grammar;

import java.util.Arrays;

/**
 * A byte grammar lifted to a vocabulary's tokens: for every state of the grammar's automaton,
 * which tokens keep the answer a prefix of the grammar and where each leads, and the fewest
 * tokens from there to a whole answer. All of it is worked out once, when a model first
 * constrains an answer of this grammar (every state, every token: tokens sorted by their bytes
 * share the walk of a common prefix, and a prefix that leaves the grammar skips every token
 * beginning with it), so a decode step only copies a precomputed mask onto the logits.
 * Immutable and thread-safe; {@link AnswerConstraint} is one answer's position in it.
 */
public final class TokenAutomaton {
    /** Distance of a state from which no answer can be finished with this vocabulary. */
    static final int UNREACHABLE = Integer.MAX_VALUE / 2;

    private final ByteDfa dfa;
    private final TokenPieces vocab;
    /** Per state: the tokens allowed there, ascending, and the state each leads to. */
    private final int[][] tokens, targets;
    /** Per state: the fewest tokens to an accepting state. */
    private final int[] distance;
    /** Per state: the ids to keep when the budget does not bind: its tokens, and end-of-generation where it accepts. */
    private final int[][] keep;
    /** Per state: the most tokens any allowed token leaves to finish with (1 + its target's distance). */
    private final int[] widestCost;
    /** Per state where most of the vocabulary is allowed: the ids not kept (masking sets just these); else null. */
    private final int[][] drop;

    private TokenAutomaton(ByteDfa dfa, TokenPieces vocab) {
        this.dfa = dfa;
        this.vocab = vocab;
        int n = dfa.states();
        int[][] allTokens = new int[n][], allTargets = new int[n][];
        int[] ids = new int[vocab.sorted.length], to = new int[vocab.sorted.length];
        int[] stack = new int[vocab.longest + 1];
        for (int s = 0; s < n; s++) {
            int count = walk(s, stack, ids, to);
            // Into id order: pack (id, target) into longs and sort those (no boxing; 150k tokens in a string's state).
            long[] packed = new long[count];
            for (int i = 0; i < count; i++) packed[i] = ((long) ids[i] << 32) | to[i];
            Arrays.sort(packed);
            allTokens[s] = new int[count];
            allTargets[s] = new int[count];
            for (int i = 0; i < count; i++) {
                allTokens[s][i] = (int) (packed[i] >>> 32);
                allTargets[s][i] = (int) packed[i];
            }
        }
        this.distance = distances(dfa, allTargets);
        this.tokens = new int[n][];
        this.targets = new int[n][];
        this.keep = new int[n][];
        this.widestCost = new int[n];
        this.drop = new int[n][];
        for (int s = 0; s < n; s++) {
            // A token into a state no answer can be finished from is never allowed.
            int kept = 0;
            for (int i = 0; i < allTokens[s].length; i++) if (distance[allTargets[s][i]] < UNREACHABLE) kept++;
            tokens[s] = new int[kept];
            targets[s] = new int[kept];
            for (int i = 0, j = 0; i < allTokens[s].length; i++) {
                int t = allTargets[s][i];
                if (distance[t] >= UNREACHABLE) continue;
                tokens[s][j] = allTokens[s][i];
                targets[s][j++] = t;
                widestCost[s] = Math.max(widestCost[s], 1 + distance[t]);
            }
            keep[s] = dfa.accepting(s) ? merged(tokens[s], vocab.eog) : tokens[s];
            if (keep[s].length > vocab.size() / 2) {
                drop[s] = complement(keep[s], vocab.size());
                keep[s] = null;
            }
        }
    }

    /** Lifts {@code dfa} to the tokens of {@code vocab}. */
    public static TokenAutomaton of(ByteDfa dfa, TokenPieces vocab) {
        return new TokenAutomaton(dfa, vocab);
    }

    /**
     * Runs every token from {@code state}; fills {@code ids} and {@code to} with the tokens that
     * stay in the grammar and their states. {@code stack[d]} is the state after the first d bytes
     * of the current token, valid up to {@code computed} (where it may be DEAD).
     */
    private int walk(int state, int[] stack, int[] ids, int[] to) {
        stack[0] = state;
        int computed = 0, count = 0;
        for (int i = 0; i < vocab.sorted.length; i++) {
            int id = vocab.sorted[i];
            byte[] p = vocab.pieces[id];
            int d = Math.min(vocab.sharedWithPrevious[i], computed);
            int st = stack[d];
            while (st != ByteDfa.DEAD && d < p.length) {
                st = dfa.next(st, p[d]);
                stack[++d] = st;
            }
            computed = d;
            if (st != ByteDfa.DEAD) {
                ids[count] = id;
                to[count++] = st;
            }
        }
        return count;
    }

    /** Fewest tokens from each state to an accepting one, over the token edges (Bellman-Ford on the distinct edges). */
    private static int[] distances(ByteDfa dfa, int[][] targets) {
        int n = dfa.states();
        int[][] distinct = new int[n][];
        for (int s = 0; s < n; s++) {
            java.util.BitSet seen = new java.util.BitSet(n);
            for (int t : targets[s]) seen.set(t);
            distinct[s] = seen.stream().toArray();
        }
        int[] d = new int[n];
        for (int s = 0; s < n; s++) d[s] = dfa.accepting(s) ? 0 : UNREACHABLE;
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int s = 0; s < n; s++) {
                for (int t : distinct[s]) {
                    if (d[t] + 1 < d[s]) {
                        d[s] = d[t] + 1;
                        changed = true;
                    }
                }
            }
        }
        return d;
    }

    private static int[] merged(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        Arrays.sort(out);
        return out;
    }

    /** The ids in {@code 0..size) not in {@code sorted}. */
    private static int[] complement(int[] sorted, int size) {
        int[] out = new int[size - sorted.length];
        int j = 0, k = 0;
        for (int id = 0; id < size; id++) {
            if (j < sorted.length && sorted[j] == id) j++;
            else out[k++] = id;
        }
        return out;
    }

    public int start() {
        return dfa.start();
    }

    public ByteDfa dfa() {
        return dfa;
    }

    /** The state after {@code token} in {@code state}, or {@link ByteDfa#DEAD} when the token is not allowed there. */
    public int next(int state, int token) {
        int i = Arrays.binarySearch(tokens[state], token);
        return i < 0 ? ByteDfa.DEAD : targets[state][i];
    }

    /** The fewest tokens that finish an answer from {@code state}. */
    public int distance(int state) {
        return distance[state];
    }

    public boolean accepting(int state) {
        return dfa.accepting(state);
    }

    public boolean complete(int state) {
        return dfa.complete(state);
    }

    /** The tokens allowed in {@code state}, ascending (end-of-generation aside). */
    public int[] allowed(int state) {
        return tokens[state].clone();
    }

    /**
     * Sets to -infinity the logits {@code [off, off + n)} of every token not allowed in
     * {@code state} with {@code budget} tokens left (this one included): a token is allowed when
     * its bytes keep the answer in the grammar and the answer can still be finished within the
     * budget from where it leads; end-of-generation only where the grammar accepts. Allowed
     * tokens' logits are left exactly as they were, so whatever the sampler would have picked
     * among them it still picks.
     *
     * @param scratch at least as long as the vocabulary: ids kept when the budget binds
     * @param values  at least as long as the vocabulary: the kept logits while the row is cleared
     */
    public void mask(int state, int budget, float[] logits, int off, int n, int[] scratch, float[] values) {
        if (budget >= widestCost[state]) {
            int[] dropped = drop[state];
            if (dropped != null) {
                // Most tokens allowed (inside a label string): set only the others.
                for (int id : dropped) if (id < n) logits[off + id] = Float.NEGATIVE_INFINITY;
                if (n > vocab.size()) Arrays.fill(logits, off + vocab.size(), off + n, Float.NEGATIVE_INFINITY);
                return;
            }
            keepOnly(keep[state], keep[state].length, logits, off, n, values);
            return;
        }
        int count = 0;
        int[] t = tokens[state], to = targets[state], eog = dfa.accepting(state) ? vocab.eog : new int[0];
        for (int id : eog) scratch[count++] = id;
        for (int i = 0; i < t.length; i++) if (1 + distance[to[i]] <= budget) scratch[count++] = t[i];
        keepOnly(scratch, count, logits, off, n, values);
    }

    /** Keeps the logits of {@code ids[0..count)} and sets every other one to -infinity: one fill of the row, then the kept values back. */
    private static void keepOnly(int[] ids, int count, float[] logits, int off, int n, float[] values) {
        for (int i = 0; i < count; i++) if (ids[i] < n) values[i] = logits[off + ids[i]];
        Arrays.fill(logits, off, off + n, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < count; i++) if (ids[i] < n) logits[off + ids[i]] = values[i];
    }

    public int vocabularySize() {
        return vocab.size();
    }
}
