package dev.loupe.engine.task.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A regular language over bytes, written as code (sequences, alternatives, repetitions of byte
 * sets and literals) rather than as a regex string, so that an answer format reads as its parts.
 * Bytes, not characters: byte-level BPE tokens may end inside a UTF-8 character, and the grammar
 * must judge every token's bytes as they come. Compiled once into a {@link ByteDfa}.
 */
public abstract sealed class ByteGrammar {

    private ByteGrammar() {}

    /** Exactly these characters (their UTF-8 bytes). */
    public static ByteGrammar text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteGrammar[] parts = new ByteGrammar[b.length];
        for (int i = 0; i < b.length; i++) {
            BitSet one = new BitSet(256);
            one.set(b[i] & 0xFF);
            parts[i] = new OneByte(one);
        }
        return seq(parts);
    }

    /** One byte among these ASCII characters. */
    public static ByteGrammar anyOf(String asciiChars) {
        BitSet set = new BitSet(256);
        for (char c : asciiChars.toCharArray()) set.set(ascii(c));
        return new OneByte(set);
    }

    /** One byte in {@code from..to} (ASCII, inclusive). */
    public static ByteGrammar range(char from, char to) {
        BitSet set = new BitSet(256);
        set.set(ascii(from), ascii(to) + 1);
        return new OneByte(set);
    }

    /**
     * One byte that is not an ASCII control character and not one of {@code excluded}: any byte of
     * a UTF-8 character beyond ASCII is allowed, so text in any script passes byte by byte.
     */
    public static ByteGrammar anyExcept(String excluded) {
        BitSet set = new BitSet(256);
        set.set(0x20, 0x7F);
        set.set(0x80, 0x100);
        for (char c : excluded.toCharArray()) set.clear(ascii(c));
        return new OneByte(set);
    }

    public static ByteGrammar seq(ByteGrammar... parts) {
        return new Seq(List.of(parts));
    }

    public static ByteGrammar oneOf(ByteGrammar... choices) {
        if (choices.length == 0) throw new IllegalArgumentException("oneOf needs at least one choice");
        return new Alt(List.of(choices));
    }

    public static ByteGrammar zeroOrMore(ByteGrammar g) {
        return new Star(g);
    }

    public static ByteGrammar oneOrMore(ByteGrammar g) {
        return seq(g, new Star(g));
    }

    public static ByteGrammar optional(ByteGrammar g) {
        return oneOf(g, seq());
    }

    /** Between {@code min} and {@code max} repetitions of {@code g}. */
    public static ByteGrammar repeat(ByteGrammar g, int min, int max) {
        if (min < 0 || max < min) throw new IllegalArgumentException("repeat " + min + ".." + max);
        List<ByteGrammar> parts = new ArrayList<>();
        for (int i = 0; i < min; i++) parts.add(g);
        for (int i = min; i < max; i++) parts.add(optional(g));
        return new Seq(parts);
    }

    /** The deterministic automaton of this language (subset construction over a Thompson NFA). */
    public ByteDfa compile() {
        Nfa nfa = new Nfa();
        int start = nfa.state(), end = nfa.state();
        build(nfa, start, end);
        return ByteDfa.of(nfa, start, end);
    }

    /** Adds this grammar's fragment to {@code nfa}, from {@code from} to {@code to}. */
    abstract void build(Nfa nfa, int from, int to);

    private static int ascii(char c) {
        if (c > 0x7F) throw new IllegalArgumentException("not ASCII: " + c);
        return c;
    }

    private static final class OneByte extends ByteGrammar {
        final BitSet bytes;

        OneByte(BitSet bytes) {
            this.bytes = bytes;
        }

        @Override
        void build(Nfa nfa, int from, int to) {
            nfa.edge(from, bytes, to);
        }
    }

    private static final class Seq extends ByteGrammar {
        final List<ByteGrammar> parts;

        Seq(List<ByteGrammar> parts) {
            this.parts = parts;
        }

        @Override
        void build(Nfa nfa, int from, int to) {
            int at = from;
            for (int i = 0; i < parts.size(); i++) {
                int next = i == parts.size() - 1 ? to : nfa.state();
                parts.get(i).build(nfa, at, next);
                at = next;
            }
            if (parts.isEmpty()) nfa.epsilon(from, to);
        }
    }

    private static final class Alt extends ByteGrammar {
        final List<ByteGrammar> choices;

        Alt(List<ByteGrammar> choices) {
            this.choices = choices;
        }

        @Override
        void build(Nfa nfa, int from, int to) {
            for (ByteGrammar c : choices) {
                int s = nfa.state(), e = nfa.state();
                nfa.epsilon(from, s);
                c.build(nfa, s, e);
                nfa.epsilon(e, to);
            }
        }
    }

    private static final class Star extends ByteGrammar {
        final ByteGrammar body;

        Star(ByteGrammar body) {
            this.body = body;
        }

        @Override
        void build(Nfa nfa, int from, int to) {
            int s = nfa.state(), e = nfa.state();
            nfa.epsilon(from, s);
            nfa.epsilon(from, to);
            body.build(nfa, s, e);
            nfa.epsilon(e, s);
            nfa.epsilon(e, to);
        }
    }

    /** A Thompson NFA under construction: states with epsilon edges and byte-set edges. */
    static final class Nfa {
        final List<List<Integer>> epsilons = new ArrayList<>();
        final List<List<BitSet>> edgeBytes = new ArrayList<>();
        final List<List<Integer>> edgeTargets = new ArrayList<>();

        int state() {
            epsilons.add(new ArrayList<>());
            edgeBytes.add(new ArrayList<>());
            edgeTargets.add(new ArrayList<>());
            return epsilons.size() - 1;
        }

        void epsilon(int from, int to) {
            epsilons.get(from).add(to);
        }

        void edge(int from, BitSet bytes, int to) {
            edgeBytes.get(from).add(bytes);
            edgeTargets.get(from).add(to);
        }

        int size() {
            return epsilons.size();
        }
    }
}
