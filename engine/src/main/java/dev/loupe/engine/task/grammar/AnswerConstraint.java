package dev.loupe.engine.task.grammar;

/**
 * One answer's place in its grammar while it is generated: masks each step's logits to the
 * tokens that keep the answer within the grammar and finishable in the tokens left, then follows
 * the token picked. Not thread-safe: one per sequence (the masks depend on this answer alone, so
 * a batch's rows are constrained exactly as they would be alone).
 */
public final class AnswerConstraint {
    private final TokenAutomaton automaton;
    private final int[] scratch;
    private final float[] values;
    private int state;

    public AnswerConstraint(TokenAutomaton automaton) {
        this.automaton = automaton;
        this.scratch = new int[automaton.vocabularySize()];
        this.values = new float[automaton.vocabularySize()];
        this.state = automaton.start();
    }

    /** Whether a whole answer fits in {@code budget} tokens (else constraining cannot make it parse). */
    public boolean fits(int budget) {
        return automaton.distance(state) <= budget;
    }

    /** Masks the logits {@code [off, off + n)} with {@code budget} tokens left, this one included. */
    public void mask(float[] logits, int off, int n, int budget) {
        automaton.mask(state, budget, logits, off, n, scratch, values);
    }

    /** Follows the token picked (an end-of-generation token ends the answer, changing nothing). */
    public void accept(int token, boolean endOfGeneration) {
        if (endOfGeneration) return;
        int next = automaton.next(state, token);
        if (next == ByteDfa.DEAD) throw new IllegalStateException("token " + token + " was masked out, yet picked");
        state = next;
    }

    /** Whether the answer is whole and the grammar allows nothing after it: the sequence stops here. */
    public boolean complete() {
        return automaton.complete(state);
    }

    public boolean accepting() {
        return automaton.accepting(state);
    }
}
