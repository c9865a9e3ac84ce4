package dev.loupe.engine.task.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic automaton over bytes: state 0 is the start, {@link #DEAD} means "no answer of
 * the grammar starts so". Every other state can still reach an accepting one (states that cannot
 * are removed), so "not dead" is exactly "a prefix of some answer". Immutable.
 */
public final class ByteDfa {
    public static final int DEAD = -1;

    private final int[] next;          // state * 256 + byte -> state or DEAD
    private final boolean[] accepting;
    private final boolean[] hasNext;   // false: no byte may follow

    private ByteDfa(int[] next, boolean[] accepting) {
        this.next = next;
        this.accepting = accepting;
        this.hasNext = new boolean[accepting.length];
        for (int s = 0; s < accepting.length; s++) {
            for (int b = 0; b < 256 && !hasNext[s]; b++) hasNext[s] = next[s * 256 + b] != DEAD;
        }
    }

    public int start() {
        return 0;
    }

    public int states() {
        return accepting.length;
    }

    /** The state after {@code b} in {@code state}, or {@link #DEAD}. */
    public int next(int state, int b) {
        return state == DEAD ? DEAD : next[state * 256 + (b & 0xFF)];
    }

    /** The state after {@code bytes[from..to)}, or {@link #DEAD}. */
    public int run(int state, byte[] bytes, int from, int to) {
        for (int i = from; i < to && state != DEAD; i++) state = next[state * 256 + (bytes[i] & 0xFF)];
        return state;
    }

    public boolean accepting(int state) {
        return state != DEAD && accepting[state];
    }

    /** Whether the answer is whole and nothing may follow: accepting, with no byte leading on. */
    public boolean complete(int state) {
        return accepting(state) && !hasNext[state];
    }

    /** Whether the whole of {@code text} is an answer of the grammar. */
    public boolean matches(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return accepting(run(start(), b, 0, b.length));
    }

    /** Whether {@code text} begins some answer of the grammar (or is one). */
    public boolean startsAnswer(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return run(start(), b, 0, b.length) != DEAD;
    }

    /** Subset construction from a Thompson NFA, then removal of states that cannot reach acceptance. */
    static ByteDfa of(ByteGrammar.Nfa nfa, int nfaStart, int nfaEnd) {
        Map<BitSet, Integer> ids = new HashMap<>();
        List<BitSet> sets = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        BitSet first = closure(nfa, single(nfaStart));
        ids.put(first, 0);
        sets.add(first);
        ArrayDeque<Integer> work = new ArrayDeque<>(List.of(0));
        while (!work.isEmpty()) {
            int id = work.poll();
            BitSet set = sets.get(id);
            int[] row = new int[256];
            for (int b = 0; b < 256; b++) {
                BitSet moved = new BitSet(nfa.size());
                for (int s = set.nextSetBit(0); s >= 0; s = set.nextSetBit(s + 1)) {
                    List<BitSet> bytes = nfa.edgeBytes.get(s);
                    for (int e = 0; e < bytes.size(); e++) if (bytes.get(e).get(b)) moved.set(nfa.edgeTargets.get(s).get(e));
                }
                if (moved.isEmpty()) {
                    row[b] = DEAD;
                    continue;
                }
                BitSet target = closure(nfa, moved);
                Integer t = ids.get(target);
                if (t == null) {
                    t = sets.size();
                    ids.put(target, t);
                    sets.add(target);
                    work.add(t);
                }
                row[b] = t;
            }
            while (rows.size() <= id) rows.add(null);
            rows.set(id, row);
        }
        int n = sets.size();
        boolean[] accepting = new boolean[n];
        for (int s = 0; s < n; s++) accepting[s] = sets.get(s).get(nfaEnd);
        return minimal(trimmed(rows, accepting));
    }

    /**
     * The equivalent automaton with the fewest states (Moore's partition refinement): states with
     * the same future merge, which keeps a grammar written for reading (alternatives that repeat
     * their tails) as small as one written for the machine. Start stays 0.
     */
    private static ByteDfa minimal(ByteDfa d) {
        int n = d.states();
        int[] block = new int[n];
        for (int s = 0; s < n; s++) block[s] = d.accepting[s] ? 1 : 0;
        int blocks = -1;
        while (true) {
            Map<List<Integer>, Integer> signatures = new HashMap<>();
            int[] refined = new int[n];
            for (int s = 0; s < n; s++) {
                List<Integer> sig = new ArrayList<>(257);
                sig.add(block[s]);
                for (int b = 0; b < 256; b++) {
                    int t = d.next[s * 256 + b];
                    sig.add(t == DEAD ? -1 : block[t]);
                }
                Integer id = signatures.get(sig);
                if (id == null) signatures.put(sig, id = signatures.size());
                refined[s] = id;
            }
            block = refined;
            if (signatures.size() == blocks) break;
            blocks = signatures.size();
        }
        // Renumber blocks so that the start's block is 0, then in order of first appearance.
        int[] order = new int[blocks];
        java.util.Arrays.fill(order, DEAD);
        int next = 0;
        order[block[0]] = next++;
        for (int s = 0; s < n; s++) if (order[block[s]] == DEAD) order[block[s]] = next++;
        int[] table = new int[blocks * 256];
        boolean[] acc = new boolean[blocks];
        for (int s = 0; s < n; s++) {
            int b0 = order[block[s]];
            acc[b0] = d.accepting[s];
            for (int b = 0; b < 256; b++) {
                int t = d.next[s * 256 + b];
                table[b0 * 256 + b] = t == DEAD ? DEAD : order[block[t]];
            }
        }
        return new ByteDfa(table, acc);
    }

    /** Drops the states from which no accepting state can be reached, renumbering the rest (start stays 0). */
    private static ByteDfa trimmed(List<int[]> rows, boolean[] accepting) {
        int n = accepting.length;
        boolean[] live = accepting.clone();
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int s = 0; s < n; s++) {
                if (live[s]) continue;
                for (int t : rows.get(s)) {
                    if (t != DEAD && live[t]) {
                        live[s] = changed = true;
                        break;
                    }
                }
            }
        }
        if (!live[0]) throw new IllegalArgumentException("the grammar accepts no answer at all");
        int[] renumber = new int[n];
        int kept = 0;
        for (int s = 0; s < n; s++) renumber[s] = live[s] ? kept++ : DEAD;
        int[] next = new int[kept * 256];
        boolean[] acc = new boolean[kept];
        for (int s = 0; s < n; s++) {
            if (!live[s]) continue;
            acc[renumber[s]] = accepting[s];
            int[] row = rows.get(s);
            for (int b = 0; b < 256; b++) next[renumber[s] * 256 + b] = row[b] == DEAD ? DEAD : renumber[row[b]];
        }
        return new ByteDfa(next, acc);
    }

    private static BitSet single(int s) {
        BitSet b = new BitSet();
        b.set(s);
        return b;
    }

    private static BitSet closure(ByteGrammar.Nfa nfa, BitSet states) {
        BitSet out = (BitSet) states.clone();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        for (int s = states.nextSetBit(0); s >= 0; s = states.nextSetBit(s + 1)) work.add(s);
        while (!work.isEmpty()) {
            for (int t : nfa.epsilons.get(work.poll())) {
                if (!out.get(t)) {
                    out.set(t);
                    work.add(t);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ByteDfa[" + states() + " states]";
    }
}
