package dev.loupe.engine.eval;

import java.util.Locale;

/**
 * What became of one sample's prediction. Only {@link #SCORED} samples have a box or mask that
 * was compared with the ground truth; the other kinds of miss are counted apart, so a low score
 * can be told from a model that did not answer in the expected format. Every kind but
 * {@link #BAD_TRUTH} counts in the denominators as a miss with IoU 0.
 */
public enum Outcome {
    /** A prediction was compared with the ground truth (its IoU may still be 0). */
    SCORED,
    /** The model answered, but no box (or mask) could be read from the answer. */
    UNPARSED,
    /** The row failed before there was an answer: an undecodable image, a model error. */
    ERROR,
    /** The predictions hold no row for this sample. */
    MISSING,
    /** The sample's ground truth cannot be used (malformed box or mask); left out of every metric. */
    BAD_TRUTH;

    /** The name written to Parquet and JSON: lower case, e.g. {@code bad_truth}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Outcome parse(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
